//! How the quickstart shows what it does: terminal styling, one line per request from the
//! SDK's `okta.request` spans, and the token request's client assertion.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use okta_governance::client::types;
use okta_governance::{PrivateKeyJwt, Scopes};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Terminal styling (plain when not a terminal or when `NO_COLOR` is set).
pub struct Style {
    color: bool,
    pub tty: bool,
}

impl Style {
    fn detect() -> Self {
        let tty = std::io::stdout().is_terminal();
        Self {
            color: tty && std::env::var_os("NO_COLOR").is_none(),
            tty,
        }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn step(&self, n: usize, total: usize, title: &str, why: &str) {
        println!();
        println!(
            "{} {}  {}",
            self.paint("36", &format!("[{n}/{total}]")),
            self.bold(title),
            self.dim(why)
        );
    }

    pub fn sent(&self, label: &str, json: &serde_json::Value) {
        let text = serde_json::to_string(json).unwrap_or_default();
        println!("      {} {}", self.dim(&format!("{label}:")), text);
    }
}

static STYLE: std::sync::OnceLock<Style> = std::sync::OnceLock::new();

pub fn style() -> &'static Style {
    STYLE.get_or_init(Style::detect)
}

/// While set, requests are counted instead of printed (the progress line is showing).
pub static QUIET: AtomicBool = AtomicBool::new(false);
pub static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// Prints one line per request from the SDK's own `okta.request` spans: what was sent, what
/// came back, and the rate-limit budget left.
pub struct WireLog;

struct Fields(BTreeMap<&'static str, String>, Instant);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for WireLog {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "okta.request" {
            return;
        }
        let mut fields = Fields(BTreeMap::new(), Instant::now());
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let extensions = span.extensions();
        let Some(Fields(fields, started)) = extensions.get::<Fields>() else {
            return;
        };
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        if QUIET.load(Ordering::Relaxed) {
            return;
        }
        let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("?");
        let style = style();
        let status = fields
            .get("status")
            .map(String::as_str)
            .unwrap_or("no answer");
        let status = if status.starts_with('2') {
            style.green(status)
        } else {
            style.paint("31", status)
        };
        let mut notes = vec![get("operation").to_string()];
        if let Some(left) = fields.get("rate_limit_remaining") {
            notes.push(format!("{left} left in this rate-limit window"));
        }
        if let Some(attempt) = fields.get("attempt").filter(|a| a.as_str() != "1") {
            notes.push(format!("attempt {attempt}"));
        }
        notes.push(format!("{} ms", started.elapsed().as_millis()));
        println!(
            "  {} {} {}   {} {}  {}",
            style.dim("→"),
            get("method"),
            get("path"),
            style.dim("←"),
            status,
            style.dim(&notes.join(" · "))
        );
    }
}

pub fn color_name(value: &types::LabelValue) -> String {
    value
        .metadata
        .as_ref()
        .and_then(|m| serde_json::to_value(m).ok())
        .and_then(|m| {
            m.pointer("/additionalProperties/backgroundColor")
                .and_then(|c| c.as_str().map(str::to_string))
        })
        .unwrap_or_else(|| "no colour".into())
}

/// An enum value as Okta spells it on the wire (`ACTIVE`).
pub fn wire_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Shows the token request the SDK is about to make, with a freshly signed example of the
/// client assertion (header and claims; the signature is left out).
pub fn print_assertion(
    jwt: &PrivateKeyJwt,
    endpoint: &url::Url,
    scopes: &Scopes,
) -> Result<(), Box<dyn std::error::Error>> {
    use base64::Engine as _;
    let style = style();
    let assertion = jwt.assertion(endpoint)?;
    let mut parts = assertion.expose().split('.');
    let mut decode = || -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        let part = parts.next().ok_or("not a JWT")?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part)?;
        Ok(serde_json::from_slice(&bytes)?)
    };
    let header = decode()?;
    let claims = decode()?;
    println!("  {} POST {endpoint}", style.dim("→"));
    println!("      grant_type=client_credentials");
    println!("      scope={scopes}");
    println!("      client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    println!(
        "      client_assertion={}",
        style.dim("a JWT signed with the app's private key; each request signs a new one:")
    );
    style.sent("header", &header);
    style.sent("claims", &claims);
    Ok(())
}
