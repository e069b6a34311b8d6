//! Authentication against a real OpenID provider (oidc-provider, `tests/servers/oidc`), started
//! by `cargo xtask test` and configured as strictly as Okta. Its address comes in
//! `OIG_OIDC_URL`; its generated keys in the file named by `OIG_OIDC_KEYS`.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use okta_governance::client::prelude::*;
use okta_governance::{
    AuthError, Config, ConfigBuilder, Credentials, DpopMode, Error, Governance, Scopes, Secret,
    SigningKey,
};
use serde_json::{json, Value};

struct Org {
    url: String,
    keys: Value,
}

/// The running provider, or `None` (with a notice) outside CI; in CI its absence fails.
fn org() -> Option<Org> {
    match (
        std::env::var("OIG_OIDC_URL"),
        std::env::var("OIG_OIDC_KEYS"),
    ) {
        (Ok(url), Ok(keys)) => {
            let keys = std::fs::read_to_string(keys).expect("keys file");
            Some(Org {
                url,
                keys: serde_json::from_str(&keys).expect("keys JSON"),
            })
        }
        _ if std::env::var_os("CI").is_some() => {
            panic!("OIG_OIDC_URL is not set: run the tests with `cargo xtask test`")
        }
        _ => {
            eprintln!("SKIPPED: no local OpenID provider (run `cargo xtask test`)");
            None
        }
    }
}

impl Org {
    fn pem(&self, key: &str, form: &str) -> String {
        self.keys[key]["pem"][form]
            .as_str()
            .expect("pem")
            .to_string()
    }
    fn jwk(&self, key: &str) -> String {
        self.keys[key]["privateJwk"].to_string()
    }
    fn token_endpoint(&self) -> String {
        format!("{}/oauth2/v1/token", self.url)
    }
    fn builder(&self) -> ConfigBuilder {
        Config::builder()
            .org_url(&self.url)
            .scopes(Scopes::new(["okta.governance.labels.read"]))
    }
    fn service(&self, client_id: &str, key: SigningKey, kid: &str) -> Governance {
        Governance::new(
            self.builder()
                .private_key(okta_governance::PrivateKeyJwt::new(client_id, key).with_key_id(kid))
                .build()
                .unwrap(),
        )
        .unwrap()
    }
    /// Revokes the last access token the resource server saw for `client_id`.
    async fn revoke(&self, client_id: &str) {
        okta_governance::Governance::http_client_builder()
            .unwrap()
            .build()
            .unwrap()
            .post(format!("{}/test/revoke?client={client_id}", self.url))
            .send()
            .await
            .unwrap();
    }
    async fn token_requests(&self, client_id: &str) -> u64 {
        let stats: Value = okta_governance::Governance::http_client_builder()
            .unwrap()
            .build()
            .unwrap()
            .get(format!("{}/test/stats", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["token"][client_id].as_u64().unwrap_or(0)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A client assertion with every knob exposed, for the refusal cases.
struct Assertion<'a> {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<&'a str>,
    iss: &'a str,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
}

impl<'a> Assertion<'a> {
    fn valid(org: &Org, client_id: &'a str) -> Self {
        Self {
            key: EncodingKey::from_rsa_pem(org.pem("rsa", "pkcs8").as_bytes()).unwrap(),
            alg: Algorithm::RS256,
            kid: Some("rsa-1"),
            iss: client_id,
            aud: org.token_endpoint(),
            iat: now(),
            exp: now() + 300,
            jti: format!("jti-{}-{}", now(), rand_suffix()),
        }
    }
    fn sign(&self) -> Secret {
        let mut header = Header::new(self.alg);
        header.kid = self.kid.map(str::to_string);
        let claims = json!({"iss": self.iss, "sub": self.iss, "aud": self.aud, "iat": self.iat, "exp": self.exp, "jti": self.jti});
        Secret::new(jsonwebtoken::encode(&header, &claims, &self.key).unwrap())
    }
}

/// Changes one thing of a valid assertion.
type Spoiler = Box<dyn Fn(&mut Assertion)>;

fn rand_suffix() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

async fn list_with_assertion(org: &Org, client_id: &str, assertion: Secret) -> Result<(), Error> {
    let config = org
        .builder()
        .credentials(Credentials::ClientAssertion {
            client_id: client_id.into(),
            assertion,
        })
        .build()
        .unwrap();
    Governance::new(config)?
        .list_labels()
        .send()
        .await
        .map(drop)
}

fn assert_invalid_client(result: Result<(), Error>, case: &str) {
    match result {
        Err(Error::Auth(AuthError::TokenEndpoint {
            status,
            error,
            description,
        })) => {
            assert_eq!(status, 401, "{case}");
            assert_eq!(error, "invalid_client", "{case}");
            assert!(
                description.is_some(),
                "{case}: the server's description is kept"
            );
        }
        other => panic!("{case}: expected invalid_client, got {other:?}"),
    }
}

#[tokio::test]
async fn every_key_form_gets_a_token_and_calls_the_api() {
    let Some(org) = org() else { return };
    let cases = [
        (
            "rsa-client",
            SigningKey::from_pem(&org.pem("rsa", "pkcs1")).unwrap(),
            "rsa-1",
        ),
        (
            "rsa-client",
            SigningKey::from_pem(&org.pem("rsa", "pkcs8")).unwrap(),
            "rsa-1",
        ),
        (
            "rsa-client",
            SigningKey::from_jwk(&org.jwk("rsa")).unwrap(),
            "rsa-1",
        ),
        (
            "ec-client",
            SigningKey::from_pem(&org.pem("ec", "pkcs8")).unwrap(),
            "ec-1",
        ),
        (
            "ec-client",
            SigningKey::from_pem(&org.pem("ec", "sec1")).unwrap(),
            "ec-1",
        ),
        (
            "ec-client",
            SigningKey::from_jwk(&org.jwk("ec")).unwrap(),
            "ec-1",
        ),
    ];
    for (client, key, kid) in cases {
        let alg = key.algorithm();
        let okta = org.service(client, key, kid);
        let labels = okta
            .list_labels()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{client} {alg:?}: {e:?}"));
        assert_eq!(labels.data[0].name.as_str(), "Crown Jewel");
        assert_eq!(okta.token_requests(), 1);
    }
}

#[tokio::test]
async fn a_pre_signed_assertion_and_a_static_bearer_token_work() {
    let Some(org) = org() else { return };
    list_with_assertion(
        &org,
        "rsa-client",
        Assertion::valid(&org, "rsa-client").sign(),
    )
    .await
    .unwrap();

    // A token obtained by hand, then used as a static bearer token.
    let form = [
        ("grant_type", "client_credentials".to_string()),
        ("scope", "okta.governance.labels.read".into()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
        ),
        (
            "client_assertion",
            Assertion::valid(&org, "rsa-client")
                .sign()
                .expose()
                .to_string(),
        ),
    ];
    let token: Value = okta_governance::Governance::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(org.token_endpoint())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let okta = Governance::new(org.builder().bearer_token(bearer).build().unwrap()).unwrap();
    okta.list_labels().send().await.unwrap();
    assert_eq!(okta.token_requests(), 0);
}

#[tokio::test]
async fn bad_assertions_are_refused_with_the_servers_code() {
    let Some(org) = org() else { return };
    let stranger = EncodingKey::from_rsa_pem(org.pem("stranger", "pkcs8").as_bytes()).unwrap();
    let cases: Vec<(&str, Spoiler)> = vec![
        (
            "wrong key",
            Box::new(move |a: &mut Assertion| a.key = stranger.clone()),
        ),
        (
            "unknown kid",
            Box::new(|a: &mut Assertion| a.kid = Some("no-such-kid")),
        ),
        ("no kid", Box::new(|a: &mut Assertion| a.kid = None)),
        (
            "expired",
            Box::new(|a: &mut Assertion| {
                a.iat = now() - 7200;
                a.exp = now() - 3600;
            }),
        ),
        (
            "lives over an hour",
            Box::new(|a: &mut Assertion| a.exp = a.iat + 7200),
        ),
        (
            "aud is the issuer",
            Box::new(|a: &mut Assertion| {
                a.aud = a.aud.trim_end_matches("/oauth2/v1/token").to_string()
            }),
        ),
        (
            "iss is another client",
            Box::new(|a: &mut Assertion| a.iss = "ec-client"),
        ),
        (
            "HS256",
            Box::new(|a: &mut Assertion| {
                a.key = EncodingKey::from_secret(b"a shared secret that Okta does not allow");
                a.alg = Algorithm::HS256;
            }),
        ),
    ];
    for (case, spoil) in cases {
        let mut assertion = Assertion::valid(&org, "rsa-client");
        spoil(&mut assertion);
        assert_invalid_client(
            list_with_assertion(&org, "rsa-client", assertion.sign()).await,
            case,
        );
    }
    // A replayed jti: the same assertion works once.
    let once = Assertion::valid(&org, "rsa-client").sign();
    list_with_assertion(&org, "rsa-client", once.clone())
        .await
        .unwrap();
    assert_invalid_client(
        list_with_assertion(&org, "rsa-client", once).await,
        "replayed jti",
    );
}

#[tokio::test]
async fn scope_errors_are_typed() {
    let Some(org) = org() else { return };
    let key = || SigningKey::from_pem(&org.pem("rsa", "pkcs8")).unwrap();
    // The token endpoint refuses a scope the app was not granted, and says why.
    let config = org
        .builder()
        .private_key(okta_governance::PrivateKeyJwt::new("rsa-client", key()).with_key_id("rsa-1"))
        .scopes(Scopes::new(["okta.users.manage"]))
        .build()
        .unwrap();
    match Governance::new(config).unwrap().list_labels().send().await {
        Err(Error::Auth(AuthError::TokenEndpoint {
            error, description, ..
        })) => {
            assert_eq!(error, "invalid_scope");
            assert!(description.is_some(), "the server's description is kept");
        }
        other => panic!("expected invalid_scope, got {other:?}"),
    }
    // A token without the operation's scope: 403 insufficient_scope becomes MissingScope.
    let config = org
        .builder()
        .private_key(
            okta_governance::PrivateKeyJwt::new("scope-client", key()).with_key_id("rsa-1"),
        )
        .scopes(Scopes::new(["okta.governance.labels.manage"]))
        .build()
        .unwrap();
    match Governance::new(config).unwrap().list_labels().send().await {
        Err(Error::Auth(AuthError::MissingScope { operation, scopes })) => {
            assert_eq!(operation, "listLabels");
            assert_eq!(scopes, ["okta.governance.labels.read"]);
        }
        other => panic!("expected MissingScope, got {other:?}"),
    }
}

/// The tests that use the server's `dpop-client` run one at a time: one of them counts that
/// client's token requests on the server, which another test's requests would inflate.
static DPOP_CLIENT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn dpop_is_detected_and_nonces_are_answered_at_both_ends() {
    let Some(org) = org() else { return };
    let _alone = DPOP_CLIENT.lock().await;
    let key = || SigningKey::from_pem(&org.pem("dpop", "pkcs8")).unwrap();
    let before = org.token_requests("dpop-client").await;
    let okta = org.service("dpop-client", key(), "dpop-1");
    let labels = okta.list_labels().send().await.unwrap();
    assert_eq!(labels.data.len(), 1);
    // Without DPoP (refused: DPoP required), with DPoP (refused: use_dpop_nonce), with nonce.
    assert_eq!(org.token_requests("dpop-client").await - before, 3);
    // The resource server demanded its own nonce on the first call; later calls reuse it.
    okta.list_labels().send().await.unwrap();
    assert_eq!(
        okta.token_requests(),
        2,
        "one switch to DPoP, then one token for both calls"
    );

    let config = org
        .builder()
        .private_key(
            okta_governance::PrivateKeyJwt::new("dpop-client", key()).with_key_id("dpop-1"),
        )
        .dpop(DpopMode::Never)
        .build()
        .unwrap();
    match Governance::new(config).unwrap().list_labels().send().await {
        Err(Error::Auth(AuthError::TokenEndpoint {
            error, description, ..
        })) => {
            assert_eq!(error, "invalid_dpop_proof");
            assert!(description.unwrap().contains("DPoP"));
        }
        other => panic!("expected the DPoP requirement, got {other:?}"),
    }
}

#[tokio::test]
async fn one_token_request_for_a_hundred_concurrent_calls() {
    let Some(org) = org() else { return };
    let okta = org.service(
        "flight-client",
        SigningKey::from_jwk(&org.jwk("rsa")).unwrap(),
        "rsa-1",
    );
    let before = org.token_requests("flight-client").await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let okta = okta.clone();
        calls.spawn(async move { okta.list_labels().send().await.map(drop) });
    }
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(org.token_requests("flight-client").await - before, 1);
    assert_eq!(okta.token_requests(), 1);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once() {
    let Some(org) = org() else { return };
    let okta = org.service(
        "refresh-client",
        SigningKey::from_pem(&org.pem("rsa", "pkcs1")).unwrap(),
        "rsa-1",
    );
    okta.list_labels().send().await.unwrap();
    org.revoke("refresh-client").await;
    okta.list_labels().send().await.unwrap();
    assert_eq!(okta.token_requests(), 2);
}

#[tokio::test]
async fn secrets_never_show_in_debug_output() {
    let Some(org) = org() else { return };
    let pem = org.pem("rsa", "pkcs8");
    let config = org
        .builder()
        .private_key(
            okta_governance::PrivateKeyJwt::new("rsa-client", SigningKey::from_pem(&pem).unwrap())
                .with_key_id("rsa-1"),
        )
        .build()
        .unwrap();
    let okta = Governance::new(config.clone()).unwrap();
    let printed = format!("{config:?} {okta:?} {:?}", config.credentials());
    let key_body: String = pem.lines().nth(1).unwrap().chars().take(24).collect();
    assert!(!printed.contains(&key_body), "key material in {printed}");
    assert!(printed.contains("***"));
    let bearer = Config::builder()
        .org_url(&org.url)
        .bearer_token("tok-visible-nowhere")
        .build()
        .unwrap();
    assert!(!format!("{bearer:?}").contains("tok-visible-nowhere"));
}

/// Drives the provider's sign-in pages like a browser would and returns the callback's
/// `code` and `state`.
async fn sign_in_as_a_user(org: &Org, authorize: &url::Url) -> (String, String) {
    let http = okta_governance::Governance::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies = std::collections::BTreeMap::new();
    let mut next = authorize.to_string();
    let mut form: Option<Vec<(&str, &str)>> = None;
    for _ in 0..12 {
        let cookie = cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = match form.take() {
            Some(fields) => http.post(&next).form(&fields),
            None => http.get(&next),
        };
        let response = request.header("cookie", cookie).send().await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                cookies.insert(name.to_string(), value.to_string());
            }
        }
        if let Some(location) = response.headers().get("location") {
            let target = url::Url::parse(&next)
                .unwrap()
                .join(location.to_str().unwrap())
                .unwrap();
            if target.path() == "/callback" {
                let query: std::collections::HashMap<_, _> =
                    target.query_pairs().into_owned().collect();
                return (query["code"].clone(), query["state"].clone());
            }
            next = target.to_string();
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(
            next.contains("/interaction/"),
            "unexpected page at {next}: {page}"
        );
        form = Some(if page.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", "alice"), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        });
    }
    panic!(
        "sign-in did not reach the callback (last URL {next}, org {})",
        org.url
    );
}

#[tokio::test]
async fn a_user_signs_in_with_pkce_and_tokens_refresh() {
    use okta_governance::auth::user::UserSignIn;
    let Some(org) = org() else { return };
    let org_url = okta_governance::OrgUrl::parse(&org.url).unwrap();
    let sign_in = UserSignIn::new(&org_url, "user-client", "http://127.0.0.1/callback").unwrap();
    let request = sign_in.authorize_url(&Scopes::new([
        "openid",
        "offline_access",
        "okta.governance.labels.read",
    ]));
    assert!(request.url.as_str().contains("code_challenge_method=S256"));
    // oidc-provider grants offline_access only with an explicit consent prompt (Okta does not
    // need it); the test adds it.
    let mut authorize = request.url.clone();
    authorize.query_pairs_mut().append_pair("prompt", "consent");
    let (code, state) = sign_in_as_a_user(&org, &authorize).await;

    // A forged state is refused before the code is used.
    let forged = sign_in.authorize_url(&Scopes::new(["openid"]));
    let error = sign_in.exchange(&code, "forged", forged).await.unwrap_err();
    assert!(matches!(error, AuthError::User(_)), "{error:?}");

    let tokens = sign_in.exchange(&code, &state, request).await.unwrap();
    assert!(
        tokens.refresh_token().is_some(),
        "offline_access gives a refresh token"
    );
    let config = Config::builder()
        .org_url(&org.url)
        .credentials(Credentials::User(tokens))
        .build()
        .unwrap();
    let okta = Governance::new(config).unwrap();
    okta.list_labels().send().await.unwrap();
    assert_eq!(
        okta.token_requests(),
        1,
        "the sign-in's access token is used first"
    );

    // Revoked: the client refreshes with the refresh token and retries once.
    org.revoke("user-client").await;
    okta.list_labels().send().await.unwrap();
    assert_eq!(okta.token_requests(), 2);
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry() {
    let Some(org) = org() else { return };
    // Tokens live 3600 s; with a margin of 3597 s each is refreshed after about 3 s.
    let config = org
        .builder()
        .private_key(
            okta_governance::PrivateKeyJwt::new(
                "rsa-client",
                SigningKey::from_pem(&org.pem("rsa", "pkcs8")).unwrap(),
            )
            .with_key_id("rsa-1"),
        )
        .refresh_margin(std::time::Duration::from_secs(3597))
        .build()
        .unwrap();
    let okta = Governance::new(config).unwrap();
    okta.list_labels().send().await.unwrap();
    okta.list_labels().send().await.unwrap();
    assert_eq!(okta.token_requests(), 1, "still fresh before the margin");
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    okta.list_labels().send().await.unwrap();
    assert_eq!(
        okta.token_requests(),
        2,
        "refreshed once the margin is reached"
    );
}

/// Signs `client_id` in as alice through `sign_in` (offline access) and exchanges the code.
async fn signed_in(
    org: &Org,
    sign_in: &okta_governance::auth::user::UserSignIn,
) -> okta_governance::auth::user::UserTokens {
    let request = sign_in.authorize_url(&Scopes::new([
        "openid",
        "offline_access",
        "okta.governance.labels.read",
    ]));
    let mut authorize = request.url.clone();
    authorize.query_pairs_mut().append_pair("prompt", "consent");
    let (code, state) = sign_in_as_a_user(org, &authorize).await;
    sign_in.exchange(&code, &state, request).await.unwrap()
}

#[tokio::test]
async fn rotated_refresh_tokens_reach_the_caller_as_they_arrive() {
    use okta_governance::auth::user::{UserSignIn, UserTokens};
    use std::sync::{Arc, Mutex};
    let Some(org) = org() else { return };
    let org_url = okta_governance::OrgUrl::parse(&org.url).unwrap();
    let sign_in = UserSignIn::new(&org_url, "user-client", "http://127.0.0.1/callback").unwrap();
    let stored: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = stored.clone();
    let tokens = signed_in(&org, &sign_in)
        .await
        .on_refresh_token(move |new| sink.lock().unwrap().push(new.expose().to_string()));
    let first = tokens.refresh_token().unwrap().expose().to_string();
    let okta = Governance::new(
        org.builder()
            .credentials(Credentials::User(tokens))
            .build()
            .unwrap(),
    )
    .unwrap();
    okta.list_labels().send().await.unwrap();
    assert!(stored.lock().unwrap().is_empty(), "no refresh yet");
    // The access token is revoked: the client refreshes, and the server rotates the refresh
    // token (oidc-provider rotates those of public clients, as Okta does with rotation on).
    org.revoke("user-client").await;
    okta.list_labels().send().await.unwrap();
    let rotated = stored.lock().unwrap().clone();
    assert_eq!(rotated.len(), 1, "the caller got the new refresh token");
    assert_ne!(rotated[0], first);
    // What the caller persisted works in the next run.
    let next_run = Governance::new(
        org.builder()
            .credentials(Credentials::User(UserTokens::from_refresh_token(
                &org_url,
                "user-client",
                rotated[0].as_str(),
            )))
            .build()
            .unwrap(),
    )
    .unwrap();
    next_run.list_labels().send().await.unwrap();
}

#[tokio::test]
async fn a_user_of_an_app_that_requires_dpop_signs_in_with_auto() {
    use okta_governance::auth::user::UserSignIn;
    let Some(org) = org() else { return };
    let org_url = okta_governance::OrgUrl::parse(&org.url).unwrap();
    let sign_in =
        UserSignIn::new(&org_url, "user-dpop-client", "http://127.0.0.1/callback").unwrap();
    let tokens = signed_in(&org, &sign_in).await;
    assert!(
        format!("{tokens:?}").contains("dpop_bound: true"),
        "{tokens:?}"
    );
    let okta = Governance::new(
        org.builder()
            .credentials(Credentials::User(tokens))
            .build()
            .unwrap(),
    )
    .unwrap();
    let auth = okta.authenticate().await.unwrap();
    assert_eq!(auth.scheme, "DPoP");
    // The resource server checks the proof against the key that bound the token.
    okta.list_labels().send().await.unwrap();
    // A refresh proves the same key, nonce challenge included.
    org.revoke("user-dpop-client").await;
    okta.list_labels().send().await.unwrap();
    assert_eq!(okta.token_requests(), 2);
}

#[tokio::test]
async fn a_fixed_assertion_cannot_answer_a_nonce_challenge_and_a_signer_can() {
    use okta_governance::AssertionSigner;
    let Some(org) = org() else { return };
    let _alone = DPOP_CLIENT.lock().await;
    let key = EncodingKey::from_rsa_pem(org.pem("dpop", "pkcs8").as_bytes()).unwrap();
    let sign = move |aud: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("dpop-1".into());
        let claims = json!({"iss": "dpop-client", "sub": "dpop-client", "aud": aud, "iat": now(), "exp": now() + 300, "jti": format!("jti-{}", rand_suffix())});
        Secret::new(jsonwebtoken::encode(&header, &claims, &key).unwrap())
    };
    let fixed = Governance::new(
        org.builder()
            .credentials(Credentials::ClientAssertion {
                client_id: "dpop-client".into(),
                assertion: sign(&org.token_endpoint()),
            })
            .dpop(DpopMode::Always)
            .build()
            .unwrap(),
    )
    .unwrap();
    let error = fixed.list_labels().send().await.unwrap_err();
    assert!(
        matches!(error, Error::Auth(AuthError::AssertionReused)),
        "{error:?}"
    );
    let signer = Governance::new(
        org.builder()
            .credentials(Credentials::AssertionSigner {
                client_id: "dpop-client".into(),
                signer: AssertionSigner::new(move |aud| Ok(sign(aud.as_str()))),
            })
            .build()
            .unwrap(),
    )
    .unwrap();
    signer.list_labels().send().await.unwrap();
}
