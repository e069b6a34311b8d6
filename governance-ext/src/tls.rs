//! TLS for the SDK's own HTTP client, by cargo feature: rustls with the aws-lc-rs provider
//! (`rustls-aws-lc-rs`) or the *ring* provider (`rustls-ring`, the default), and the operating
//! system's certificate verifier (its trust store, so private root certificates installed
//! there are trusted). Without either feature the SDK has no TLS of its own and a caller
//! passes a `reqwest::Client` (for example one using native-tls).
//!
//! The provider is given to this client only: nothing is installed process-wide.

use crate::error::ConfigError;

/// The TLS stack compiled in, if any.
pub(crate) const STACK: Option<&str> = if cfg!(feature = "rustls-aws-lc-rs") {
    Some("rustls (aws-lc-rs)")
} else if cfg!(feature = "rustls-ring") {
    Some("rustls (ring)")
} else {
    None
};

/// The SDK's HTTP client settings: its `User-Agent`, no redirects followed (the stack follows
/// them itself, within the org only, each hop with its own credentials and DPoP proof; token
/// requests included), and the compiled-in TLS.
pub(crate) fn client_builder() -> Result<reqwest::ClientBuilder, ConfigError> {
    let builder = reqwest::Client::builder()
        .user_agent(concat!("okta-governance-rust/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none());
    configure(builder)
}

/// `builder` with the compiled-in TLS configuration (unchanged without a TLS feature).
fn configure(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, ConfigError> {
    #[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs"))]
    {
        use rustls_platform_verifier::BuilderVerifierExt as _;
        use std::sync::Arc;
        #[cfg(feature = "rustls-aws-lc-rs")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc-rs")))]
        let provider = rustls::crypto::ring::default_provider();
        let failed = |e: rustls::Error| ConfigError::Invalid {
            field: "TLS",
            reason: format!("cannot set up TLS: {e}"),
        };
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_platform_verifier()
            .map_err(failed)?
            .with_no_client_auth();
        Ok(builder.tls_backend_preconfigured(config))
    }
    #[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")))]
    {
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Governance};

    fn config(org: &str) -> Config {
        Config::builder()
            .org_url(org)
            .ssws_token("00token")
            .build()
            .unwrap()
    }

    /// With a TLS feature the SDK's own client is built for an `https` org; without one, an
    /// `https` org needs the caller's client and is refused naming `http_client` (a loopback
    /// `http` org, as the simulated org is, needs no TLS).
    #[test]
    fn an_https_org_needs_a_tls_stack_or_the_callers_client() {
        let https = Governance::new(config("https://acme.okta.com"));
        match super::STACK {
            Some(_) => assert!(https.is_ok(), "{:?}", https.err()),
            None => {
                let error = https.unwrap_err().to_string();
                assert!(error.contains("http_client"), "{error}");
                let own = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                assert!(Governance::builder(config("https://acme.okta.com"))
                    .http_client(own)
                    .build()
                    .is_ok());
            }
        }
        assert!(Governance::new(config("http://127.0.0.1:9")).is_ok());
    }
}
