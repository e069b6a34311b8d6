//! The lifecycle example's sign-in callback listener (`examples/support/callback.rs`): it keeps
//! listening through stray, wrong-path and wrong-state requests, binds what the redirect URI
//! names, stays within its bounds and tells the truth on the page.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "../../examples/support/callback.rs"]
#[allow(dead_code)]
mod callback;
use callback::{Bounds, Callback, CallbackError};

const STATE: &str = "s7a7e-of-this-sign-in";

fn quick() -> Bounds {
    Bounds {
        total: Duration::from_secs(10),
        connections: 16,
        concurrent: 4,
        per_connection: Duration::from_millis(500),
        head_bytes: 2048,
    }
}

async fn bind(uri: &str) -> (Callback, u16) {
    let callback = Callback::bind(&url::Url::parse(uri).unwrap())
        .await
        .unwrap();
    let port = callback.addrs()[0].port();
    (callback, port)
}

/// Sends one request to `addr` and returns the status line and the page.
async fn get(addr: &str, target: &str) -> (String, String) {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(format!("GET {target} HTTP/1.1\r\nhost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).await.unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let page = response
        .split_once("\r\n\r\n")
        .map(|(_, p)| p.to_owned())
        .unwrap_or_default();
    (status, page)
}

#[tokio::test]
async fn stray_connections_and_wrong_requests_do_not_abort_the_sign_in() {
    let (callback, port) = bind("http://localhost:0/callback").await;
    let waiting = tokio::spawn(callback.wait(STATE, quick()));
    let addr = format!("127.0.0.1:{port}");

    // A connection that sends nothing and stays open (browsers open spare ones) ...
    let _idle = TcpStream::connect(&addr).await.unwrap();
    // ... one that closes at once, another path, a forged state, no code at all.
    drop(TcpStream::connect(&addr).await.unwrap());
    let (status, _) = get(&addr, "/favicon.ico").await;
    assert!(status.contains("404"), "{status}");
    let (status, page) = get(&addr, "/callback?code=stolen&state=forged").await;
    assert!(status.contains("400"), "{status}");
    assert!(page.contains("does not belong"), "{page}");
    let (status, _) = get(&addr, &format!("/callback?state={STATE}")).await;
    assert!(status.contains("400"), "{status}");

    // The real callback still gets through, past the idle connection.
    let (status, page) = get(&addr, &format!("/callback?code=the-code&state={STATE}")).await;
    assert!(status.contains("200"), "{status}");
    assert!(page.contains("Sign-in received"), "{page}");
    assert_eq!(waiting.await.unwrap().unwrap(), "the-code");
}

#[tokio::test]
async fn an_error_callback_is_reported_as_such_on_the_page_and_to_the_caller() {
    let (callback, port) = bind("http://127.0.0.1:0/callback").await;
    let waiting = tokio::spawn(callback.wait(STATE, quick()));
    let (status, page) = get(
        &format!("127.0.0.1:{port}"),
        &format!("/callback?error=access_denied&error_description=No%1B%5B31m+way&state={STATE}"),
    )
    .await;
    assert!(status.contains("400"), "{status}");
    assert!(page.contains("Sign-in failed: access_denied"), "{page}");
    assert!(!page.contains("received"), "{page}");
    match waiting.await.unwrap() {
        Err(CallbackError::Refused { error, description }) => {
            assert_eq!(error, "access_denied");
            // The escape character is gone before anything reaches a terminal.
            assert_eq!(description, "No[31m way");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn localhost_is_bound_on_every_loopback_address_it_names() {
    let (callback, port) = bind("http://localhost:0/callback").await;
    let addrs = callback.addrs();
    assert!(addrs.iter().any(|a| a.ip().is_ipv4()), "{addrs:?}");
    let ipv6 = addrs.iter().any(|a| a.ip().is_ipv6());
    assert!(addrs
        .iter()
        .all(|a| a.port() == port && a.ip().is_loopback()));
    let waiting = tokio::spawn(callback.wait(STATE, quick()));
    // A browser that tries ::1 first reaches the listener when the machine has IPv6.
    let target = if ipv6 {
        format!("[::1]:{port}")
    } else {
        format!("127.0.0.1:{port}")
    };
    let (status, _) = get(&target, &format!("/callback?code=c&state={STATE}")).await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(waiting.await.unwrap().unwrap(), "c");
}

#[tokio::test]
async fn a_redirect_uri_off_this_machine_is_refused() {
    for uri in [
        "http://example.com:8080/callback",
        "https://localhost:8080/callback",
        "http://10.0.0.1:8080/callback",
    ] {
        let refused = Callback::bind(&url::Url::parse(uri).unwrap()).await;
        assert!(
            matches!(refused, Err(CallbackError::NotLoopback(_))),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn the_wait_ends_within_its_time_and_connection_bounds() {
    let (callback, _) = bind("http://127.0.0.1:0/callback").await;
    let bounds = Bounds {
        total: Duration::from_millis(300),
        ..quick()
    };
    let started = std::time::Instant::now();
    assert!(matches!(
        callback.wait(STATE, bounds).await,
        Err(CallbackError::TimedOut(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(5));

    let (callback, port) = bind("http://127.0.0.1:0/callback").await;
    let bounds = Bounds {
        connections: 3,
        ..quick()
    };
    let waiting = tokio::spawn(callback.wait(STATE, bounds));
    for _ in 0..3 {
        let _ = get(&format!("127.0.0.1:{port}"), "/elsewhere").await;
    }
    assert!(matches!(
        waiting.await.unwrap(),
        Err(CallbackError::TooManyConnections(3))
    ));
}

#[tokio::test]
async fn an_endless_request_head_is_cut_off() {
    let (callback, port) = bind("http://127.0.0.1:0/callback").await;
    let waiting = tokio::spawn(callback.wait(STATE, quick()));
    let mut flood = TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    // More than the head bound, never ending: the listener stops reading and goes on.
    let _ = flood.write_all(&[b'a'; 8192]).await;
    let (status, _) = get(
        &format!("127.0.0.1:{port}"),
        &format!("/callback?code=ok&state={STATE}"),
    )
    .await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(waiting.await.unwrap().unwrap(), "ok");
}
