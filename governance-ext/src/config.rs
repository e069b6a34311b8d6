//! Configuration: the org URL, the credentials and the scopes, from a builder, the environment
//! or `okta.yaml`, with the precedence of the other Okta SDKs.
//!
//! Sources, lowest precedence first: `~/.okta/okta.yaml`, `./okta.yaml`, `OKTA_CLIENT_*`
//! environment variables, explicit builder calls. A value set by a later source replaces the
//! same value from an earlier one.
//!
//! | okta.yaml (`okta.client.…`) | environment | meaning |
//! |---|---|---|
//! | `orgUrl` | `OKTA_CLIENT_ORGURL` | `https://{org}.okta.com` |
//! | `authorizationMode` | `OKTA_CLIENT_AUTHORIZATIONMODE` | `SSWS`, `Bearer`, `PrivateKey` or `JWT` |
//! | `clientId` | `OKTA_CLIENT_CLIENTID` | service app client id |
//! | `scopes` | `OKTA_CLIENT_SCOPES` | list, or comma/space separated |
//! | `privateKey` | `OKTA_CLIENT_PRIVATEKEY` | PEM or JWK text, or a path to a file holding one |
//! | `privateKeyId` | `OKTA_CLIENT_PRIVATEKEYID` | `kid` of the key |
//! | `token` | `OKTA_CLIENT_TOKEN` | SSWS API token or bearer access token |
//! | `clientAssertion` | `OKTA_CLIENT_CLIENTASSERTION` | pre-signed client assertion (mode `JWT`) |

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::auth::{Credentials, DpopMode, PrivateKeyJwt, SigningKey};
use crate::error::ConfigError;
use crate::files::ReadError;
use crate::org::{IntoOrgUrl, OrgUrl};
use crate::retry::RetryConfig;
use crate::scopes::Scopes;
use crate::secret::Secret;

/// The largest `okta.yaml` read, in bytes.
const MAX_CONFIG_FILE: u64 = 1024 * 1024;

/// Everything the client needs to reach an org, checked: made only by [`ConfigBuilder::build`]
/// (or [`Config::from_env`]), read through its accessors.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) org: OrgUrl,
    pub(crate) credentials: Credentials,
    pub(crate) scopes: Scopes,
    pub(crate) dpop: DpopMode,
    pub(crate) refresh_margin: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) max_body: crate::BodyLimits,
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Configuration from `~/.okta/okta.yaml`, `./okta.yaml` and `OKTA_CLIENT_*` (see the module
    /// docs for precedence).
    pub fn from_env() -> Result<Self, ConfigError> {
        ConfigBuilder::from_sources()?.build()
    }

    /// The org.
    pub fn org(&self) -> &OrgUrl {
        &self.org
    }

    /// How requests are authenticated.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Scopes requested for OAuth 2.0 access tokens.
    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// Whether OAuth 2.0 tokens are DPoP-bound.
    pub fn dpop(&self) -> DpopMode {
        self.dpop
    }

    /// How long before expiry an access token is refreshed.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// The timeout of one attempt of an HTTP request.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// Retries, backoff and the deadline of one call.
    pub fn retry(&self) -> RetryConfig {
        self.retry
    }

    /// The largest response bodies read.
    pub fn max_body(&self) -> crate::BodyLimits {
        self.max_body
    }
}

/// Where a [`ConfigBuilder::from_sources`] setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// An `okta.yaml` file that exists (`~/.okta/okta.yaml`, then `./okta.yaml`).
    File(PathBuf),
    /// At least one `OKTA_CLIENT_*` environment variable.
    Environment,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Environment => f.write_str("OKTA_CLIENT_* environment variables"),
        }
    }
}

/// Builds a [`Config`]; every setter overrides what files and environment said.
#[derive(Debug, Clone, Default)]
pub struct ConfigBuilder {
    org_url: Option<String>,
    mode: Option<String>,
    client_id: Option<String>,
    scopes: Option<Scopes>,
    private_key: Option<Secret>,
    private_key_id: Option<String>,
    token: Option<Secret>,
    client_assertion: Option<Secret>,
    credentials: Option<Credentials>,
    dpop: Option<DpopMode>,
    refresh_margin: Option<Duration>,
    request_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    max_body: Option<crate::BodyLimits>,
    sources: Vec<ConfigSource>,
}

/// The raw settings of one source.
type Settings = BTreeMap<String, String>;

/// The `okta.yaml` files [`ConfigBuilder::from_sources`] reads, lowest precedence first:
/// `~/.okta/okta.yaml` (when `HOME` is set), then `./okta.yaml`. Listed whether or not they
/// exist.
fn config_files() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".okta/okta.yaml"));
    home.into_iter()
        .chain([PathBuf::from("okta.yaml")])
        .collect()
}

impl ConfigBuilder {
    /// A builder pre-filled from `~/.okta/okta.yaml`, `./okta.yaml` and the environment;
    /// [`sources`](Self::sources) says which of them were there.
    pub fn from_sources() -> Result<Self, ConfigError> {
        let mut builder = Self::default();
        for file in config_files() {
            builder = builder.apply_file(&file)?;
        }
        let settings = env_settings(std::env::vars());
        if !settings.is_empty() {
            builder.sources.push(ConfigSource::Environment);
        }
        builder.apply(settings);
        Ok(builder)
    }

    /// Applies an `okta.yaml` file if it exists (over what is set already); a file that
    /// exists but cannot be read or parsed, or holds more than 1 MiB, is an error naming it.
    pub fn apply_file(mut self, path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = match crate::files::read_text(path, MAX_CONFIG_FILE) {
            Ok(text) => text,
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self),
            Err(e) => {
                let (reason, source) = match e {
                    ReadError::Io(e) => ("it cannot be read".into(), Some(crate::error::cause(e))),
                    ReadError::TooLarge => {
                        (format!("it is larger than {MAX_CONFIG_FILE} bytes"), None)
                    }
                    ReadError::NotText => ("it is not UTF-8 text".into(), None),
                };
                return Err(ConfigError::File {
                    path: path.to_path_buf(),
                    reason,
                    source,
                });
            }
        };
        let settings = yaml_settings(&text).map_err(|reason| ConfigError::File {
            path: path.to_path_buf(),
            reason,
            source: None,
        })?;
        self.sources.push(ConfigSource::File(path.to_path_buf()));
        self.apply(settings);
        Ok(self)
    }

    /// The files and the environment that contributed settings, lowest precedence first: empty
    /// when nothing is configured (the examples then run against the simulated org).
    pub fn sources(&self) -> &[ConfigSource] {
        &self.sources
    }

    fn apply(&mut self, settings: Settings) {
        for (key, value) in settings {
            match key.as_str() {
                "orgurl" => self.org_url = Some(value),
                "authorizationmode" => self.mode = Some(value),
                "clientid" => self.client_id = Some(value),
                "scopes" => self.scopes = Some(Scopes::parse_list(&value)),
                "privatekey" => self.private_key = Some(Secret::new(value)),
                "privatekeyid" => self.private_key_id = Some(value),
                "token" => self.token = Some(Secret::new(value)),
                "clientassertion" => self.client_assertion = Some(Secret::new(value)),
                _ => {}
            }
        }
    }

    /// The org URL (`https://{org}.okta.com`), as text (checked by [`build`](Self::build)) or
    /// as an [`OrgUrl`] already parsed: the same inputs
    /// [`UserSignIn::new`](crate::auth::user::UserSignIn::new) takes.
    pub fn org_url(mut self, url: impl IntoOrgUrl) -> Self {
        self.org_url = Some(url.into_text());
        self
    }

    /// Authenticate with an SSWS API token.
    pub fn ssws_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Ssws(token.into()));
        self
    }

    /// Authenticate with an access token you obtained yourself.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Bearer(token.into()));
        self
    }

    /// Authenticate as a service app with `private_key_jwt`: the app's client id and key, and
    /// the key's `kid` when the app has several
    /// (`PrivateKeyJwt::new(client_id, key).with_key_id(kid)`).
    pub fn private_key(mut self, credentials: PrivateKeyJwt) -> Self {
        self.credentials = Some(Credentials::PrivateKey(credentials));
        self
    }

    /// Any credentials, including the user-based ones of [`crate::auth::user`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Scopes to request (default: every OIG scope, [`Scopes::all_governance`]).
    pub fn scopes(mut self, scopes: Scopes) -> Self {
        self.scopes = Some(scopes);
        self
    }

    /// Scopes to request unless a file, the environment or [`scopes`](Self::scopes) set some:
    /// for a tool that knows which operations it calls (see [`Scopes::for_operation_ids`]).
    pub fn default_scopes(mut self, scopes: Scopes) -> Self {
        self.scopes.get_or_insert(scopes);
        self
    }

    /// DPoP: [`DpopMode::Auto`] (default) turns it on when the token endpoint requires it.
    pub fn dpop(mut self, mode: DpopMode) -> Self {
        self.dpop = Some(mode);
        self
    }

    /// Refresh access tokens this long before they expire (default 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Timeout of one attempt of an HTTP request, body included (default 30 s); an attempt
    /// gets less when less is left of the call's deadline ([`RetryConfig::deadline`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Retries, backoff and the per-call deadline (default [`RetryConfig::default`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The largest response bodies the client reads (default 32 MiB for 2xx, 64 KiB for
    /// errors); a longer body fails the call with `Error::BodyTooLarge`.
    pub fn max_body(mut self, limits: crate::BodyLimits) -> Self {
        self.max_body = Some(limits);
        self
    }

    /// Validates everything and builds the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        let org_url = self.org_url.ok_or(ConfigError::Missing {
            field: "orgUrl (OKTA_CLIENT_ORGURL)",
        })?;
        let org = OrgUrl::parse(&org_url)?;
        // Credentials set in code are used as they are: a file's `privateKeyId` belongs to the
        // file's key and is never grafted onto another.
        let credentials = match self.credentials {
            Some(credentials) => credentials,
            None => credentials_from_settings(
                self.mode.as_deref(),
                self.client_id,
                self.private_key,
                self.private_key_id,
                self.token,
                self.client_assertion,
            )?,
        };
        let config = Config {
            org,
            credentials,
            scopes: self.scopes.unwrap_or_else(Scopes::all_governance),
            dpop: self.dpop.unwrap_or_default(),
            refresh_margin: self.refresh_margin.unwrap_or(Duration::from_secs(60)),
            request_timeout: self.request_timeout.unwrap_or(Duration::from_secs(30)),
            retry: self.retry.unwrap_or_default(),
            max_body: self.max_body.unwrap_or_default(),
        };
        config.check()?;
        Ok(config)
    }
}

/// The longest deadline and request timeout accepted.
const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest backoff and refresh margin accepted.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);
/// The most retries accepted.
const MAX_RETRIES: u32 = 100;

impl Config {
    /// Checks the durations and counts against their limits (done once, by
    /// [`ConfigBuilder::build`]): every wait the client takes is bounded, and no time
    /// arithmetic can overflow.
    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |field: &'static str, reason: &str| {
            Err(ConfigError::Invalid {
                field,
                reason: reason.to_string(),
            })
        };
        // A token is sent as a header: refuse here, naming the setting, what no header can
        // carry (the value itself is not shown).
        let token = match &self.credentials {
            Credentials::Ssws(token) => Some(("token", token)),
            Credentials::Bearer(token) => Some(("bearer token", token)),
            _ => None,
        };
        if let Some((field, token)) = token {
            let bytes = token.expose().as_bytes();
            if bytes.is_empty() || !bytes.iter().all(|b| b.is_ascii_graphic()) {
                return invalid(
                    field,
                    "must be non-empty visible ASCII without spaces (it is sent as a header)",
                );
            }
        }
        let retry = &self.retry;
        if retry.deadline.is_zero() || retry.deadline > MAX_WAIT {
            return invalid("retry.deadline", "must be more than 0 and at most 24 h");
        }
        if self.request_timeout.is_zero() || self.request_timeout > MAX_WAIT {
            return invalid("requestTimeout", "must be more than 0 and at most 24 h");
        }
        if retry.max_backoff > MAX_BACKOFF {
            return invalid("retry.max_backoff", "must be at most 1 h");
        }
        if retry.base_backoff > retry.max_backoff {
            return invalid("retry.base_backoff", "must be at most retry.max_backoff");
        }
        if retry.max_retries > MAX_RETRIES {
            return invalid("retry.max_retries", "must be at most 100");
        }
        if self.refresh_margin > MAX_BACKOFF {
            return invalid("refreshMargin", "must be at most 1 h");
        }
        // Credentials stay with the configured org: none may name another org's token
        // endpoint (where a refresh token would go) or audience.
        match &self.credentials {
            Credentials::User(tokens) if !self.org.is_same_origin(tokens.token_url()) => {
                return invalid(
                    "credentials",
                    "the user tokens were made for another org (their token endpoint is not on \
                     the configured org): make them with this org's OrgUrl",
                );
            }
            Credentials::ClientAssertion { assertion, .. } => {
                match assertion_audiences(assertion.expose()) {
                    None => {
                        return invalid(
                            "clientAssertion",
                            "is not a JWT with an `aud` claim (its value is not shown)",
                        )
                    }
                    Some(audiences)
                        if !audiences.iter().any(|aud| {
                            url::Url::parse(aud).is_ok_and(|url| self.org.is_same_origin(&url))
                        }) =>
                    {
                        return invalid(
                            "clientAssertion",
                            "its audience (`aud`) is not on the configured org (it must be the \
                             org's token endpoint)",
                        )
                    }
                    // The token endpoint checks the rest.
                    Some(_) => {}
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The `aud` of a JWT's payload (a string or a list), read without verifying anything: only
/// to refuse an assertion made for another org before it is sent there.
fn assertion_audiences(jwt: &str) -> Option<Vec<String>> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match &claims["aud"] {
        serde_json::Value::String(aud) => Some(vec![aud.clone()]),
        serde_json::Value::Array(list) => Some(
            list.iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

fn credentials_from_settings(
    mode: Option<&str>,
    client_id: Option<String>,
    private_key: Option<Secret>,
    private_key_id: Option<String>,
    token: Option<Secret>,
    client_assertion: Option<Secret>,
) -> Result<Credentials, ConfigError> {
    let given = mode.unwrap_or_default().to_string();
    let mode = match mode {
        Some(mode) => mode.to_ascii_lowercase(),
        None if private_key.is_some() => "privatekey".into(),
        None if token.is_some() => "ssws".into(),
        None => {
            return Err(ConfigError::Missing {
                field: "authorizationMode (OKTA_CLIENT_AUTHORIZATIONMODE)",
            })
        }
    };
    let client_id = || {
        client_id.clone().ok_or(ConfigError::Missing {
            field: "clientId (OKTA_CLIENT_CLIENTID)",
        })
    };
    match mode.as_str() {
        "ssws" => Ok(Credentials::Ssws(token.ok_or(ConfigError::Missing {
            field: "token (OKTA_CLIENT_TOKEN)",
        })?)),
        "bearer" => Ok(Credentials::Bearer(token.ok_or(ConfigError::Missing {
            field: "token (OKTA_CLIENT_TOKEN)",
        })?)),
        "privatekey" => {
            let key = private_key.ok_or(ConfigError::Missing {
                field: "privateKey (OKTA_CLIENT_PRIVATEKEY)",
            })?;
            let key = SigningKey::from_text_or_path(key.expose())?;
            let jwt = PrivateKeyJwt::new(client_id()?, key);
            Ok(Credentials::PrivateKey(match private_key_id {
                Some(kid) => jwt.with_key_id(kid),
                None => jwt,
            }))
        }
        "jwt" => Ok(Credentials::ClientAssertion {
            client_id: client_id()?,
            assertion: client_assertion.ok_or(ConfigError::Missing {
                field: "clientAssertion (OKTA_CLIENT_CLIENTASSERTION)",
            })?,
        }),
        _ => Err(ConfigError::Invalid {
            field: "authorizationMode",
            reason: format!("`{given}` is not one of SSWS, Bearer, PrivateKey, JWT"),
        }),
    }
}

/// `OKTA_CLIENT_*` variables as settings (keys lower-cased without the prefix).
fn env_settings(vars: impl Iterator<Item = (String, String)>) -> Settings {
    vars.filter_map(|(key, value)| {
        let key = key.strip_prefix("OKTA_CLIENT_")?;
        (!value.is_empty()).then(|| (key.to_ascii_lowercase(), value))
    })
    .collect()
}

/// Why an `okta.yaml` cannot be read in a build without the `yaml` feature.
#[cfg(not(feature = "yaml"))]
const YAML_OFF: &str =
    "reading okta.yaml needs the `yaml` feature of okta-governance, which this build leaves out";

/// In a build without YAML, a file that exists is refused (never skipped: its settings would be
/// lost without a word).
#[cfg(not(feature = "yaml"))]
fn yaml_settings(_text: &str) -> Result<Settings, String> {
    Err(YAML_OFF.into())
}

/// `okta.client.*` of an `okta.yaml` as settings.
#[cfg(feature = "yaml")]
fn yaml_settings(text: &str) -> Result<Settings, String> {
    // Only the position of a syntax error: the parser's message can quote the file's text,
    // and the file may hold a key or a token.
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
            Some(at) => format!(
                "not valid YAML (line {}, column {})",
                at.line(),
                at.column()
            ),
            None => "not valid YAML".to_string(),
        })?;
    let mut out = Settings::new();
    let Some(client) = doc.get("okta").and_then(|o| o.get("client")) else {
        return Ok(out);
    };
    let Some(map) = client.as_mapping() else {
        return Err("`okta.client` is not a mapping".into());
    };
    for (key, value) in map {
        let Some(key) = key.as_str() else { continue };
        let value = match value {
            serde_yaml_ng::Value::String(s) => s.clone(),
            serde_yaml_ng::Value::Sequence(items) => items
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            serde_yaml_ng::Value::Number(n) => n.to_string(),
            serde_yaml_ng::Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        out.insert(key.to_ascii_lowercase(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    /// The files a configuration names are read under a limit that names itself: a device
    /// that never ends is refused, not read into memory.
    #[cfg(unix)]
    #[test]
    fn configuration_and_key_files_are_read_under_a_limit() {
        match ConfigBuilder::default().apply_file("/dev/zero") {
            Err(ConfigError::File { path, reason, .. }) => {
                assert_eq!(path, Path::new("/dev/zero"));
                assert!(reason.contains("larger than 1048576 bytes"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let err = SigningKey::from_text_or_path("/dev/zero")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("privateKey") && err.contains("larger than 65536 bytes"),
            "{err}"
        );
    }

    /// Whether `text` holds any 12 consecutive bytes of `secret`.
    #[cfg(feature = "yaml")]
    fn leaks(text: &str, secret: &str) -> bool {
        secret
            .as_bytes()
            .windows(12)
            .any(|w| text.contains(std::str::from_utf8(w).unwrap_or("\u{0}")))
    }

    #[cfg(feature = "yaml")]
    proptest::proptest! {
        #[test]
        fn any_configuration_text_is_refused_or_read_without_panicking(
            text in "\\PC{0,200}",
            key in "\\PC{0,120}",
        ) {
            if let Ok(settings) = yaml_settings(&text) {
                let mut builder = ConfigBuilder::default();
                builder.apply(settings);
                let _ = builder.build();
            }
            let _ = crate::SigningKey::from_text_or_path(&key);
            let _ = OrgUrl::parse(&key);
        }
    }

    #[test]
    fn tokens_no_header_can_carry_are_refused_naming_the_setting_without_the_value() {
        for bad in ["", "has space", "line\nbreak", "tab\t", "naïve"] {
            let refused = Config::builder()
                .org_url("https://acme.okta.com")
                .ssws_token(bad)
                .build()
                .unwrap_err();
            assert!(
                matches!(&refused, ConfigError::Invalid { field: "token", .. }),
                "{bad:?}: {refused:?}"
            );
            let refused = Config::builder()
                .org_url("https://acme.okta.com")
                .bearer_token(bad)
                .build()
                .unwrap_err();
            assert!(
                matches!(
                    &refused,
                    ConfigError::Invalid {
                        field: "bearer token",
                        ..
                    }
                ),
                "{bad:?}: {refused:?}"
            );
        }
        let refused = Config::builder()
            .org_url("https://acme.okta.com")
            .ssws_token("00secret value")
            .build()
            .unwrap_err();
        assert!(!format!("{refused} {refused:?}").contains("secret"));
    }

    #[test]
    #[cfg(feature = "yaml")]
    fn secret_looking_values_never_reach_an_error_from_any_source() {
        let body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSeCrEtKeYmAtErIaL".repeat(3);
        let secrets = [
            body.clone(),
            format!("\"{body}\""),
            format!("'{body}'"),
            format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"),
            format!("\"-----BEGIN EC PRIVATE KEY-----\\n{body}\\n-----END EC PRIVATE KEY-----\""),
            format!("{{\"kty\":\"RSA\",\"n\":\"{body}\",\"d\":\"{body}\"}}"),
            format!("{{\"kty\":\"EC\",\"d\":{body}}}"),
        ];
        for secret in &secrets {
            let mut errors = Vec::new();
            // The builder's way in.
            errors.push(crate::SigningKey::from_text_or_path(secret).unwrap_err());
            // OKTA_CLIENT_* variables.
            let vars = [
                ("OKTA_CLIENT_ORGURL", "https://acme.okta.com"),
                ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey"),
                ("OKTA_CLIENT_CLIENTID", "0oa1"),
                ("OKTA_CLIENT_PRIVATEKEY", secret.as_str()),
            ];
            let mut builder = ConfigBuilder::default();
            builder.apply(env_settings(
                vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            ));
            errors.push(builder.build().unwrap_err());
            // okta.yaml, the key as a YAML string and, broken, as raw text.
            for value in [serde_json::to_string(secret).unwrap(), secret.clone()] {
                let yaml = format!(
                    "okta:\n  client:\n    orgUrl: https://acme.okta.com\n    authorizationMode: PrivateKey\n    clientId: 0oa1\n    privateKey: {value}\n"
                );
                match yaml_settings(&yaml) {
                    Ok(settings) => {
                        let mut builder = ConfigBuilder::default();
                        builder.apply(settings);
                        errors.push(builder.build().unwrap_err());
                    }
                    Err(reason) => errors.push(ConfigError::File {
                        path: "okta.yaml".into(),
                        reason,
                        source: None,
                    }),
                }
            }
            for error in errors {
                for text in [error.to_string(), format!("{error:?}")] {
                    assert!(!leaks(&text, &body), "{secret:.30}: {text}");
                }
            }
        }
    }

    #[test]
    fn config_files_are_home_then_working_directory() {
        let files = config_files();
        assert_eq!(files.last(), Some(&PathBuf::from("okta.yaml")));
        if std::env::var_os("HOME").is_some() {
            assert_eq!(files.len(), 2);
            assert!(files[0].ends_with(".okta/okta.yaml"), "{files:?}");
        }
    }

    #[test]
    fn org_urls_are_validated() {
        assert_eq!(
            OrgUrl::parse("https://acme.okta.com/").unwrap().as_str(),
            "https://acme.okta.com"
        );
        assert!(OrgUrl::parse("http://127.0.0.1:8080").is_ok());
        assert!(OrgUrl::parse("http://localhost:1").is_ok());
        // The refusal says why, and shows the value without what can carry a secret.
        for (bad, needle, shown) in [
            (
                "http://acme.okta.com",
                "https is required",
                "http://acme.okta.com",
            ),
            (
                "https://acme.okta.com/oauth2/default",
                "must not have a path",
                "https://acme.okta.com/***",
            ),
            (
                "https://user:pw@acme.okta.com",
                "credentials",
                "https://***@acme.okta.com",
            ),
            (
                "https://acme.okta.com?x=1",
                "query",
                "https://acme.okta.com?***",
            ),
            ("acme.okta.com", "relative URL", "(not shown: not a URL)"),
            ("ftp://acme.okta.com", "not https", "ftp://acme.okta.com"),
        ] {
            let err = OrgUrl::parse(bad).unwrap_err().to_string();
            assert!(err.contains(needle) && err.contains(shown), "{bad}: {err}");
        }
    }

    #[test]
    fn same_origin_only() {
        let org = OrgUrl::parse("https://acme.okta.com").unwrap();
        assert!(org.is_same_origin(
            &Url::parse("https://acme.okta.com/governance/api/v1/labels").unwrap()
        ));
        assert!(!org.is_same_origin(&Url::parse("https://acme-admin.okta.com/x").unwrap()));
        assert!(!org.is_same_origin(&Url::parse("http://acme.okta.com/x").unwrap()));
        assert!(!org.is_same_origin(&Url::parse("https://acme.okta.com:444/x").unwrap()));
    }

    #[test]
    #[cfg(feature = "yaml")]
    fn precedence_is_file_then_env_then_explicit() {
        let mut builder = ConfigBuilder::default();
        builder.apply(
            yaml_settings(
                "okta:\n  client:\n    orgUrl: https://file.okta.com\n    authorizationMode: SSWS\n    token: from-file\n    scopes:\n      - okta.governance.labels.read\n",
            )
            .unwrap(),
        );
        builder.apply(env_settings(
            [(
                "OKTA_CLIENT_ORGURL".to_string(),
                "https://env.okta.com".to_string(),
            )]
            .into_iter(),
        ));
        let config = builder.clone().build().unwrap();
        assert_eq!(config.org.as_str(), "https://env.okta.com");
        assert!(matches!(&config.credentials, Credentials::Ssws(t) if t.expose() == "from-file"));
        assert_eq!(config.scopes.to_string(), "okta.governance.labels.read");
        let explicit = builder
            .org_url("https://explicit.okta.com")
            .build()
            .unwrap();
        assert_eq!(explicit.org.as_str(), "https://explicit.okta.com");
    }

    #[test]
    #[cfg(not(feature = "yaml"))]
    fn without_yaml_a_file_that_exists_is_refused_naming_the_feature() {
        let dir = std::env::temp_dir().join(format!("oig-config-noyaml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("okta.yaml");
        std::fs::write(
            &file,
            "okta:\n  client:\n    orgUrl: https://file.okta.com\n",
        )
        .unwrap();
        // A missing file is no source, as with YAML.
        let builder = ConfigBuilder::default()
            .apply_file(dir.join("absent.yaml"))
            .unwrap();
        assert!(builder.sources().is_empty());
        let err = builder.apply_file(&file).unwrap_err();
        let ConfigError::File { path, reason, .. } = &err else {
            panic!("not a file error: {err:?}")
        };
        assert_eq!(path, &file);
        assert!(reason.contains("`yaml` feature"), "{reason}");
        assert!(err.to_string().contains("`yaml` feature"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[cfg(feature = "yaml")]
    fn files_are_applied_by_value_and_recorded_as_sources() {
        let dir = std::env::temp_dir().join(format!("oig-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("okta.yaml");
        let key = crate::auth::keys::tests::ec_pem().replace('\n', "\n        ");
        std::fs::write(
            &file,
            format!(
                "okta:\n  client:\n    orgUrl: https://file.okta.com\n    clientId: 0oafile\n    privateKeyId: file-kid\n    privateKey: |\n        {key}\n"
            ),
        )
        .unwrap();
        let builder = ConfigBuilder::default()
            .apply_file(&file)
            .unwrap()
            .apply_file(dir.join("absent.yaml"))
            .unwrap();
        // Only the file that exists is a source.
        assert_eq!(builder.sources(), [ConfigSource::File(file.clone())]);
        assert_eq!(builder.sources()[0].to_string(), file.display().to_string());
        // The file's kid goes with the file's key...
        let from_file = builder.clone().build().unwrap();
        let Credentials::PrivateKey(jwt) = from_file.credentials() else {
            panic!("not a private key")
        };
        assert_eq!(
            (jwt.client_id(), jwt.key_id()),
            ("0oafile", Some("file-kid"))
        );
        // ...and never onto a key set in code.
        let own = PrivateKeyJwt::new("0oacode", SigningKey::generate_es256().unwrap());
        let config = builder.private_key(own).build().unwrap();
        let Credentials::PrivateKey(jwt) = config.credentials() else {
            panic!("not a private key")
        };
        assert_eq!((jwt.client_id(), jwt.key_id()), ("0oacode", None));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn org_urls_are_taken_as_text_or_parsed() {
        let org = OrgUrl::parse("https://acme.okta.com").unwrap();
        for config in [
            Config::builder().org_url("https://acme.okta.com"),
            Config::builder().org_url(String::from("https://acme.okta.com")),
            Config::builder().org_url(&org),
            Config::builder().org_url(org.clone()),
        ] {
            assert_eq!(config.ssws_token("00x").build().unwrap().org(), &org);
        }
        #[cfg(feature = "user-sign-in")]
        {
            use crate::auth::user::UserSignIn;
            assert!(UserSignIn::new(&org, "0oa", "http://localhost:1/cb").is_ok());
            assert!(UserSignIn::new("ftp://x", "0oa", "http://localhost:1/cb").is_err());
        }
    }

    #[test]
    fn default_scopes_yield_to_configured_ones() {
        let mut builder = ConfigBuilder::default()
            .org_url("https://a.okta.com")
            .ssws_token("t");
        builder.apply(env_settings(
            [(
                "OKTA_CLIENT_SCOPES".to_string(),
                "okta.governance.labels.read".to_string(),
            )]
            .into_iter(),
        ));
        let wanted = Scopes::new(["okta.governance.labels.manage"]);
        let config = builder.default_scopes(wanted.clone()).build().unwrap();
        assert_eq!(config.scopes.to_string(), "okta.governance.labels.read");
        let config = ConfigBuilder::default()
            .org_url("https://a.okta.com")
            .ssws_token("t")
            .default_scopes(wanted.clone())
            .build()
            .unwrap();
        assert_eq!(config.scopes, wanted);
    }

    #[test]
    fn missing_and_invalid_settings_name_the_field() {
        let err = Config::builder().build().unwrap_err().to_string();
        assert!(err.contains("OKTA_CLIENT_ORGURL"), "{err}");
        let mut builder = Config::builder().org_url("https://a.okta.com");
        builder.mode = Some("Magic".into());
        let err = builder.build().unwrap_err().to_string();
        assert!(
            err.contains("authorizationMode") && err.contains("Magic"),
            "{err}"
        );
        let mut builder = Config::builder().org_url("https://a.okta.com");
        builder.mode = Some("PrivateKey".into());
        let err = builder.build().unwrap_err().to_string();
        assert!(err.contains("OKTA_CLIENT_PRIVATEKEY"), "{err}");
    }
}
