//! [`Governance`]: the generated client wired to the ext crate's stack.

use std::ops::Deref;
use std::sync::Arc;

use okta_governance_client::hooks::Inner;
use okta_governance_client::Client;

use crate::auth::Authenticated;
use crate::config::Config;
use crate::error::Error;
use crate::org::OrgUrl;
use crate::session::Authenticator;
use crate::throttle::Throttle;
use crate::transport::StackTransport;

/// The OIG client: every generated operation (through `Deref` to the raw [`Client`]), with
/// authentication and the rest of the stack applied to each request.
///
/// ```no_run
/// use okta_governance::prelude::*;
/// # async fn run() -> Result<(), okta_governance::Error> {
/// let okta = okta_governance::Governance::from_env()?;
/// let labels = okta.list_labels().send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Governance {
    client: Client,
    auth: Arc<Authenticator>,
    org: OrgUrl,
}

impl std::fmt::Debug for Governance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Governance")
            .field("org", &self.org.as_str())
            .finish_non_exhaustive()
    }
}

/// How a [`Governance`] is put together: `Governance::builder(config)`, then options, then
/// [`build`](Self::build).
#[derive(Debug)]
#[must_use = "nothing is built until `build` is called"]
pub struct GovernanceBuilder {
    config: Config,
    http: Option<reqwest::Client>,
}

impl GovernanceBuilder {
    /// Sends every request (API and token endpoint) with `client`: your proxies, private root
    /// certificates, TLS settings and connection pool.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`. The SDK follows redirects
    /// itself, only within the org and with fresh credentials per hop; a client that followed
    /// one on its own would carry a request (and a DPoP proof) somewhere the SDK did not check,
    /// so a response that comes from another URL than the one sent is refused with
    /// [`ConfigError::Invalid`](crate::ConfigError::Invalid) naming `http_client`. The SDK sets
    /// each attempt's timeout itself (`request_timeout`, or what is left of the deadline).
    ///
    /// ```no_run
    /// # fn run(config: okta_governance::Config) -> Result<(), Box<dyn std::error::Error>> {
    /// // The SDK's own settings (TLS from its features, no redirects), plus a proxy.
    /// let http = okta_governance::Governance::http_client_builder()?
    ///     .proxy(reqwest::Proxy::https("http://proxy.corp.example:3128")?)
    ///     .build()?;
    /// let okta = okta_governance::Governance::builder(config).http_client(http).build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The client.
    pub fn build(self) -> Result<Governance, Error> {
        Governance::assemble(self.config, self.http)
    }
}

impl Governance {
    /// A client for `config`, with an HTTP client of its own
    /// ([`http_client_builder`](Self::http_client_builder)'s settings).
    ///
    /// A build without a TLS feature (`rustls-ring`, `rustls-aws-lc-rs`) has no TLS of its
    /// own: for an `https` org this is refused with [`ConfigError::Invalid`](crate::ConfigError)
    /// naming `http_client`; pass your own client with [`Governance::builder`].
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::assemble(config, None)
    }

    /// The settings of the SDK's own HTTP client, to start yours from: TLS as the crate's
    /// features choose (rustls with the *ring* or aws-lc-rs provider and the operating
    /// system's certificate verifier, so private root certificates in the system's store are
    /// trusted), no redirects followed (the SDK follows them itself), and the SDK's
    /// `User-Agent`. Add a proxy, extra root certificates or a connection pool size, build it
    /// and pass it to [`GovernanceBuilder::http_client`]. The SDK sets each attempt's timeout
    /// itself.
    ///
    /// Without a TLS feature the builder has no TLS configured: add your own (for example
    /// reqwest's `native-tls` feature and `tls_backend_native`).
    pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
        Ok(crate::tls::client_builder()?)
    }

    /// A client for `config` with options: your own `reqwest::Client`
    /// ([`GovernanceBuilder::http_client`]).
    pub fn builder(config: Config) -> GovernanceBuilder {
        GovernanceBuilder { config, http: None }
    }

    fn assemble(config: Config, http: Option<reqwest::Client>) -> Result<Self, Error> {
        // The configuration was checked when it was built (it can be made no other way).
        let org = config.org.clone();
        let retry = config.retry;
        let request_timeout = config.request_timeout;
        let max_body = config.max_body;
        let http = match http {
            Some(http) => http,
            None => {
                if crate::tls::STACK.is_none() && org.as_str().starts_with("https:") {
                    return Err(crate::ConfigError::Invalid {
                        field: "http_client",
                        reason: "this build has no TLS of its own (neither the `rustls-ring` \
                                 nor the `rustls-aws-lc-rs` feature): pass a reqwest::Client \
                                 with Governance::builder(config).http_client(..)"
                            .into(),
                    }
                    .into());
                }
                Self::http_client_builder()?
                    .timeout(config.request_timeout)
                    .connect_timeout(config.request_timeout)
                    .build()
                    .map_err(crate::error::transport)?
            }
        };
        tracing::debug!(
            crypto = crate::crypto::BACKEND,
            tls = crate::tls::STACK.unwrap_or("the caller's"),
            "client assembled"
        );
        // One throttle for API and token requests alike.
        let throttle = Arc::new(Throttle::default());
        let auth = Arc::new(Authenticator::new(config, http.clone(), throttle.clone()));
        let transport = Arc::new(StackTransport {
            auth: auth.clone(),
            org: org.clone(),
            throttle,
            retry,
            request_timeout,
            max_body,
        });
        let client = Client::new_with_client(org.as_str(), http, Inner::with_transport(transport));
        Ok(Self { client, auth, org })
    }

    /// A client configured from `okta.yaml` files and `OKTA_CLIENT_*` variables.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(Config::from_env()?)
    }

    /// The generated client (also reachable through `Deref`).
    pub fn raw(&self) -> &Client {
        &self.client
    }

    /// The org this client talks to.
    pub fn org(&self) -> &OrgUrl {
        &self.org
    }

    /// Makes sure the credentials work, without calling an API: for OAuth 2.0 credentials this
    /// gets the access token (or reuses the cached one). Useful at start-up, to fail early.
    ///
    /// ```no_run
    /// # async fn run(okta: okta_governance::Governance) -> Result<(), okta_governance::Error> {
    /// let auth = okta.authenticate().await?;
    /// println!("{} token, {:?} left, scopes {}", auth.scheme, auth.expires_in, auth.scopes);
    /// # Ok(()) }
    /// ```
    pub async fn authenticate(&self) -> Result<Authenticated, Error> {
        Ok(self.auth.authenticate().await?)
    }

    /// How many token requests this client has sent so far (every attempt, retries and DPoP
    /// nonce answers included; 0 for SSWS and bearer credentials). A metric: export it to see
    /// the token cache at work, one request per token lifetime however many calls, or to
    /// alert on a token endpoint that keeps failing.
    pub fn token_requests(&self) -> usize {
        self.auth.token_requests()
    }
}

impl Deref for Governance {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// A client for unit tests that build requests; nothing is sent to its org.
#[cfg(test)]
pub(crate) fn test_client() -> &'static Governance {
    static OKTA: std::sync::LazyLock<Governance> = std::sync::LazyLock::new(|| {
        let config = Config::builder()
            .org_url("https://acme.okta.com")
            .ssws_token("00test")
            .build()
            .unwrap();
        Governance::new(config).unwrap()
    });
    &OKTA
}
