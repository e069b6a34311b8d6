//! HTTP/1.1 by hand, for servers that must misbehave in ways no HTTP library allows (the chaos
//! run, the hostile-server tests): read one request, write one response.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The largest request head read; a longer one ends the connection.
const MAX_HEAD: usize = 64 * 1024;

/// One request as it arrived: method, target, the head unparsed, and the body as text.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub head: String,
    pub body: String,
}

/// Reads one request (head, then a `Content-Length` body); `None` when the connection ends
/// first or the head is over [`MAX_HEAD`].
pub async fn read_request(socket: &mut TcpStream) -> Option<RawRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + 4 + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end + 4..]).to_string();
    let mut line = head.lines().next()?.split(' ');
    let (method, target) = (line.next()?.to_string(), line.next()?.to_string());
    Some(RawRequest {
        method,
        target,
        head,
        body,
    })
}

/// An HTTP/1.1 response with `headers` and a JSON (or text) `body`; the connection closes
/// after it.
pub fn response(status: u16, headers: &[(&str, String)], body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\ncontent-type: application/json\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}
