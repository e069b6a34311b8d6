//! [`OrgUrl`]: the one place credentials may be sent.

use url::Url;

use crate::error::ConfigError;

/// A validated Okta org URL: `https`, a host, no path, query or credentials. Plain `http` is
/// accepted only for loopback hosts (local tests and the simulator). A trailing slash is fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUrl(Url);

impl OrgUrl {
    /// Parses and validates an org URL.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidOrgUrl {
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let url = Url::parse(value.trim()).map_err(|e| invalid(&e.to_string()))?;
        let host = url
            .host_str()
            .ok_or_else(|| invalid("it has no host"))?
            .to_string();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => return Err(invalid("https is required (http only for loopback hosts)")),
            other => return Err(invalid(&format!("scheme `{other}` is not https"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it must not contain credentials"));
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(invalid(
                "it must not have a path (use https://{org}.okta.com)",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it must not have a query or fragment"));
        }
        Ok(Self(url))
    }

    /// `https://{org}.okta.com` without the trailing slash.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The org's token endpoint (`{org}/oauth2/v1/token`).
    pub fn token_endpoint(&self) -> Url {
        self.0
            .join("/oauth2/v1/token")
            .expect("a path joins onto a valid URL")
    }

    /// The org's authorize endpoint (`{org}/oauth2/v1/authorize`).
    pub fn authorize_endpoint(&self) -> Url {
        self.0
            .join("/oauth2/v1/authorize")
            .expect("a path joins onto a valid URL")
    }

    /// Whether `url` points at this org (same scheme, host and port): the only place credentials
    /// may be sent.
    pub fn is_same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.0.scheme()
            && url.host_str() == self.0.host_str()
            && url.port_or_known_default() == self.0.port_or_known_default()
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
