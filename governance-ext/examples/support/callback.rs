//! The loopback listener a command-line sign-in needs (RFC 8252, section 7.3): the browser comes
//! back to `http://localhost:PORT/PATH?code=..&state=..` on this machine.
//!
//! A browser, other programs on the machine and an attacker's page can all reach the port, so
//! the listener:
//! - binds every address the redirect URI names (`localhost` is both `127.0.0.1` and `::1`; a
//!   browser may try either first) and refuses a redirect URI that is not on a loopback host;
//! - keeps listening until a `GET` on the redirect path carries the `state` of *this* sign-in,
//!   answering anything else (a stray connection, `/favicon.ico`, a stale or forged callback)
//!   and going on, within a bound on time, connections and bytes read;
//! - serves connections side by side, so a connection that never sends anything (browsers open
//!   spare ones) does not hold up the real callback;
//! - says on the page what happened, as plain text (what the server sent back is never markup).
//!
//! Shared by the lifecycle example and its tests (`tests/integration/callback_listener.rs`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::{Host, Url};

/// How long, how many connections and how many bytes the listener gives the browser.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// The whole wait, from the first accept to the callback.
    pub total: Duration,
    /// Connections accepted before giving up.
    pub connections: usize,
    /// Connections served at the same time.
    pub concurrent: usize,
    /// How long one connection may take to send its request head.
    pub per_connection: Duration,
    /// The most of one request head that is read.
    pub head_bytes: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            total: Duration::from_secs(300),
            connections: 64,
            concurrent: 8,
            per_connection: Duration::from_secs(10),
            head_bytes: 8 * 1024,
        }
    }
}

/// Why no code came back.
#[derive(Debug)]
pub enum CallbackError {
    /// The redirect URI is not `http` on a loopback host: nothing on this machine can receive it.
    NotLoopback(String),
    /// No address the redirect URI names could be bound.
    Bind(std::io::Error),
    /// The time bound passed without the callback.
    TimedOut(Duration),
    /// The connection bound was spent without the callback.
    TooManyConnections(usize),
    /// The authorization server came back with an error for this sign-in.
    Refused {
        /// The `error` parameter (control characters removed).
        error: String,
        /// The `error_description` parameter, if any (control characters removed).
        description: String,
    },
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotLoopback(uri) => write!(
                f,
                "the redirect URI {uri} is not http on a loopback host (localhost, 127.0.0.1 or [::1])"
            ),
            Self::Bind(e) => write!(f, "cannot listen for the sign-in callback: {e}"),
            Self::TimedOut(waited) => write!(
                f,
                "no sign-in came back within {} s",
                waited.as_secs()
            ),
            Self::TooManyConnections(n) => write!(
                f,
                "{n} connections came to the callback port without this sign-in's callback"
            ),
            Self::Refused { error, description } if description.is_empty() => {
                write!(f, "sign-in refused: {error}")
            }
            Self::Refused { error, description } => {
                write!(f, "sign-in refused: {error} ({description})")
            }
        }
    }
}

impl std::error::Error for CallbackError {}

/// A bound listener for one redirect URI; bind it before showing the sign-in URL, so the
/// browser cannot come back before anyone listens.
pub struct Callback {
    listeners: Vec<TcpListener>,
    path: String,
}

impl Callback {
    /// Binds every address `redirect_uri` names. Port 0 picks a free port (the same one on every
    /// address); [`Callback::addrs`] says which.
    pub async fn bind(redirect_uri: &Url) -> Result<Self, CallbackError> {
        let not_loopback = || CallbackError::NotLoopback(redirect_uri.as_str().to_owned());
        if redirect_uri.scheme() != "http" {
            return Err(not_loopback());
        }
        let ips: Vec<IpAddr> = match redirect_uri.host() {
            Some(Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
            Some(Host::Ipv4(ip)) if ip.is_loopback() => vec![IpAddr::V4(ip)],
            Some(Host::Ipv6(ip)) if ip.is_loopback() => vec![IpAddr::V6(ip)],
            _ => return Err(not_loopback()),
        };
        let mut port = redirect_uri.port_or_known_default().unwrap_or(80);
        let mut listeners = Vec::new();
        let mut last_error = None;
        for ip in ips {
            // A machine without IPv6 still signs in over IPv4, and the other way round.
            match TcpListener::bind(SocketAddr::new(ip, port)).await {
                Ok(listener) => {
                    if port == 0 {
                        port = listener.local_addr().map_err(CallbackError::Bind)?.port();
                    }
                    listeners.push(listener);
                }
                Err(e) => last_error = Some(e),
            }
        }
        if listeners.is_empty() {
            return Err(CallbackError::Bind(last_error.unwrap_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no address")
            })));
        }
        Ok(Self {
            listeners,
            path: redirect_uri.path().to_owned(),
        })
    }

    /// The addresses listened on.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Waits for the callback of the sign-in whose `state` is given and returns its code.
    pub async fn wait(self, state: &str, bounds: Bounds) -> Result<String, CallbackError> {
        let deadline = tokio::time::Instant::now() + bounds.total;
        let (accepted_tx, mut accepted) = mpsc::channel::<TcpStream>(bounds.concurrent.max(1));
        let mut acceptors = JoinSet::new();
        for listener in self.listeners {
            let accepted_tx = accepted_tx.clone();
            acceptors.spawn(async move {
                while let Ok((socket, _)) = listener.accept().await {
                    if accepted_tx.send(socket).await.is_err() {
                        break;
                    }
                }
            });
        }
        drop(accepted_tx);
        let path: std::sync::Arc<str> = self.path.into();
        let state: std::sync::Arc<str> = state.into();
        let mut serving = JoinSet::new();
        let mut taken = 0usize;
        let outcome = loop {
            let room = serving.len() < bounds.concurrent.max(1) && taken < bounds.connections;
            if taken >= bounds.connections && serving.is_empty() {
                break Err(CallbackError::TooManyConnections(taken));
            }
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => break Err(CallbackError::TimedOut(bounds.total)),
                Some(socket) = accepted.recv(), if room => {
                    taken += 1;
                    let (path, state) = (path.clone(), state.clone());
                    serving.spawn(serve(socket, path, state, bounds));
                }
                Some(done) = serving.join_next(), if !serving.is_empty() => {
                    match done {
                        Ok(Answer::Code(code)) => break Ok(code),
                        Ok(Answer::Refused { error, description }) => {
                            break Err(CallbackError::Refused { error, description })
                        }
                        // Not this sign-in's callback (or a connection that failed): go on.
                        Ok(Answer::NotOurs) | Err(_) => {}
                    }
                }
            }
        };
        acceptors.abort_all();
        serving.abort_all();
        outcome
    }
}

enum Answer {
    Code(String),
    Refused { error: String, description: String },
    NotOurs,
}

/// Reads one request head (bounded in time and bytes) and answers it.
async fn serve(
    mut socket: TcpStream,
    path: std::sync::Arc<str>,
    state: std::sync::Arc<str>,
    bounds: Bounds,
) -> Answer {
    let head = match tokio::time::timeout(
        bounds.per_connection,
        read_head(&mut socket, bounds.head_bytes),
    )
    .await
    {
        Ok(Some(head)) => head,
        // Silent, slow, oversized or closed: nothing to answer.
        _ => return Answer::NotOurs,
    };
    let (answer, status, page) = judge(&head, &path, &state);
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ =
        tokio::time::timeout(bounds.per_connection, socket.write_all(response.as_bytes())).await;
    let _ = socket.shutdown().await;
    answer
}

/// Reads up to the blank line that ends a request head; `None` if the peer closes first or the
/// head is longer than `limit`.
async fn read_head(socket: &mut TcpStream, limit: usize) -> Option<String> {
    let mut head = Vec::with_capacity(1024.min(limit));
    let mut chunk = [0u8; 1024];
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        head.extend_from_slice(chunk.get(..read)?);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Some(String::from_utf8_lossy(&head).into_owned());
        }
        if head.len() >= limit {
            return None;
        }
    }
}

/// What a request head means for this sign-in: the answer, the status line and the page.
fn judge(head: &str, path: &str, state: &str) -> (Answer, &'static str, String) {
    let mut words = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (words.next(), words.next());
    let url = target.and_then(|t| Url::parse("http://localhost").ok()?.join(t).ok());
    let Some(url) = url.filter(|u| method == Some("GET") && u.path() == path) else {
        return (
            Answer::NotOurs,
            "404 Not Found",
            "Not the sign-in callback.\n".into(),
        );
    };
    let get = |name: &str| {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| printable(&v))
    };
    if get("state").as_deref() != Some(state) {
        return (
            Answer::NotOurs,
            "400 Bad Request",
            "This callback does not belong to the sign-in in progress (its state does not match). Nothing was done.\n".into(),
        );
    }
    if let Some(error) = get("error") {
        let description = get("error_description").unwrap_or_default();
        let page = format!(
            "Sign-in failed: {error} {description}\nSee the terminal; you can close this tab.\n"
        );
        return (
            Answer::Refused { error, description },
            "400 Bad Request",
            page,
        );
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => (
            Answer::Code(code),
            "200 OK",
            "Sign-in received: the terminal takes it from here. You can close this tab.\n".into(),
        ),
        None => (
            Answer::NotOurs,
            "400 Bad Request",
            "The callback has neither a code nor an error. Nothing was done.\n".into(),
        ),
    }
}

/// At most 200 characters, without control characters: what the server sent is printed on a
/// terminal, where an escape sequence would be obeyed.
fn printable(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}
