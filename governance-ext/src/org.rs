//! [`OrgUrl`]: the one place credentials may be sent.

use url::Url;

use crate::error::ConfigError;

/// A validated Okta org URL: `https`, a host, no path, query or credentials. Plain `http` is
/// accepted only for loopback hosts (local tests and the simulator). A trailing slash is fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUrl(Url);

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for super::OrgUrl {}
    impl Sealed for &super::OrgUrl {}
}

/// An org URL as text (`&str`, `String`) or already parsed ([`OrgUrl`]): what
/// [`ConfigBuilder::org_url`](crate::ConfigBuilder::org_url) and
/// [`UserSignIn::new`](crate::auth::user::UserSignIn::new) take. Sealed.
pub trait IntoOrgUrl: sealed::Sealed {
    /// The URL, parsed and validated ([`OrgUrl::parse`]).
    fn into_org_url(self) -> Result<OrgUrl, ConfigError>;
    #[doc(hidden)]
    fn into_text(self) -> String;
}

impl IntoOrgUrl for &str {
    fn into_org_url(self) -> Result<OrgUrl, ConfigError> {
        OrgUrl::parse(self)
    }
    fn into_text(self) -> String {
        self.to_string()
    }
}

impl IntoOrgUrl for String {
    fn into_org_url(self) -> Result<OrgUrl, ConfigError> {
        OrgUrl::parse(&self)
    }
    fn into_text(self) -> String {
        self
    }
}

impl IntoOrgUrl for &String {
    fn into_org_url(self) -> Result<OrgUrl, ConfigError> {
        OrgUrl::parse(self)
    }
    fn into_text(self) -> String {
        self.clone()
    }
}

impl IntoOrgUrl for OrgUrl {
    fn into_org_url(self) -> Result<OrgUrl, ConfigError> {
        Ok(self)
    }
    fn into_text(self) -> String {
        self.as_str().to_string()
    }
}

impl IntoOrgUrl for &OrgUrl {
    fn into_org_url(self) -> Result<OrgUrl, ConfigError> {
        Ok(self.clone())
    }
    fn into_text(self) -> String {
        self.as_str().to_string()
    }
}

impl OrgUrl {
    /// Parses and validates an org URL.
    ///
    /// A refusal shows the value without anything that can carry a secret: the user name and
    /// password, the query and the fragment are left out, and a value that is no URL at all is
    /// not shown (it may be a token pasted into the wrong setting).
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let parsed = Url::parse(value.trim());
        let shown = match &parsed {
            Ok(url) => redacted(url),
            Err(_) => "(not shown: not a URL)".to_string(),
        };
        let invalid = |reason: &str| ConfigError::InvalidOrgUrl {
            value: shown.clone(),
            reason: reason.to_string(),
        };
        let url = parsed.map_err(|e| invalid(&e.to_string()))?;
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

/// `url` with its user name, password, query and fragment replaced by `***`, where present.
fn redacted(url: &Url) -> String {
    let mut shown = format!("{}://", url.scheme());
    if !url.username().is_empty() || url.password().is_some() {
        shown.push_str("***@");
    }
    shown.push_str(url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    // A path segment can carry a secret too: only its length is shown.
    if url.path() != "/" && !url.path().is_empty() {
        shown.push_str(&format!("/*** ({} characters of path)", url.path().len()));
    }
    if url.query().is_some() {
        shown.push_str("?***");
    }
    if url.fragment().is_some() {
        shown.push_str("#***");
    }
    shown
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether any 12-byte window of `secret` appears in `text`.
    fn leaks(secret: &str, text: &str) -> bool {
        secret
            .as_bytes()
            .windows(12)
            .any(|w| text.as_bytes().windows(12).any(|t| t == w))
    }

    proptest::proptest! {
        #[test]
        fn a_refused_org_url_never_repeats_a_secret(secret in "[A-Za-z0-9_~-]{16,64}") {
            for value in [
                format!("https://svc:{secret}@acme.okta.com"),
                format!("https://{secret}@acme.okta.com"),
                format!("https://acme.okta.com/?token={secret}"),
                format!("https://acme.okta.com/#{secret}"),
                format!("https://acme.okta.com/{secret}"),
                format!("http://acme.okta.com:8080/api?key={secret}"),
                secret.clone(),
                format!("acme.okta.com/{secret}"),
            ] {
                if let Err(error) = OrgUrl::parse(&value) {
                    let shown = format!("{error} {error:?}");
                    proptest::prop_assert!(!leaks(&secret, &shown), "{shown}");
                }
            }
        }
    }

    #[test]
    fn a_refusal_still_says_what_is_wrong() {
        let error = OrgUrl::parse("https://svc:Passw0rd@acme.okta.com").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("https://***@acme.okta.com"), "{text}");
        assert!(text.contains("credentials"), "{text}");
        assert!(!text.contains("Passw0rd") && !format!("{error:?}").contains("Passw0rd"));
    }
}
