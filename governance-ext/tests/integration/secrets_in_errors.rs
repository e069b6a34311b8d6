//! No secret a caller passes by mistake (a token pasted as an id, a password in a URL, a key
//! where a path was expected) reaches an error: every public constructor and validating call is
//! fed secret-looking values in shapes that make it fail, and no 12-byte window of the secret
//! may appear in the error's `Display`, `Debug` or any `source()` below it.

use std::time::Duration;

use okta_governance::auth::user::UserSignIn;
use okta_governance::client::prelude::*;
use okta_governance::orn::{Orn, Partition};
use okta_governance::{Config, Governance, OrgUrl, RetryConfig, SigningKey};
use proptest::prelude::*;

/// Everything an error shows: `Display`, `Debug`, and the same for each cause.
fn shown(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    text
}

/// Fails when any 12-byte window of `secret` is in `text`.
fn assert_no_window(what: &str, secret: &str, text: &str) {
    let bytes = secret.as_bytes();
    for window in bytes.windows(12) {
        if let Ok(window) = std::str::from_utf8(window) {
            assert!(
                !text.contains(window),
                "{what}: `{window}` of the secret is in the error: {text}"
            );
        }
    }
}

fn check<T, E: std::error::Error + 'static>(what: &str, secret: &str, result: Result<T, E>) {
    if let Err(error) = result {
        assert_no_window(what, secret, &shown(&error));
    }
}

/// A secret as tokens and passwords look (and longer than any 12-byte window).
fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "00[A-Za-z0-9_-]{40}",
        "eyJ[A-Za-z0-9_-]{20,60}\\.[A-Za-z0-9_-]{20,60}\\.[A-Za-z0-9_-]{20}",
        "[A-Za-z0-9!$&*+=~]{12,32}",
    ]
}

/// Shapes that make a value fail validation somewhere, with the secret inside.
fn shape() -> impl Strategy<Value = usize> {
    0usize..8
}

fn wrap(secret: &str, shape: usize) -> String {
    match shape {
        0 => secret.to_string(),
        1 => format!("../{secret}"),
        2 => format!("{secret}/x"),
        3 => format!("https://svc:{secret}@acme.okta.com"),
        4 => format!("https://acme.okta.com/{secret}?token={secret}#{secret}"),
        5 => format!("{secret}\n\u{0}"),
        6 => secret.repeat(2000 / secret.len() + 1),
        _ => format!("-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n"),
    }
}

/// An SSWS client of an address where nothing listens: calls fail on validation or on the
/// connection, never on an answer.
fn nowhere() -> Governance {
    Governance::new(
        Config::builder()
            .org_url("http://127.0.0.1:9")
            .ssws_token("00not-a-real-token")
            .retry(
                RetryConfig::default()
                    .max_retries(0)
                    .deadline(Duration::from_secs(2)),
            )
            .build()
            .unwrap(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_secret_reaches_an_error_from_any_public_constructor(secret in secret(), shape in shape()) {
        let value = wrap(&secret, shape);
        let value = value.as_str();

        // Configuration and URLs.
        check("OrgUrl::parse", &secret, OrgUrl::parse(value));
        check("Config org_url", &secret, Config::builder().org_url(value).ssws_token("00x").build());
        check("Config ssws_token", &secret, Config::builder().org_url("https://acme.okta.com").ssws_token(value).build());
        check("Config bearer_token", &secret, Config::builder().org_url("https://acme.okta.com").bearer_token(value).build());
        check(
            "Config private_key client id",
            &secret,
            Config::builder()
                .org_url("https://acme.okta.com")
                .private_key(okta_governance::PrivateKeyJwt::new(value, SigningKey::generate_es256().unwrap()).with_key_id(value))
                .build(),
        );
        check("SigningKey::from_pem", &secret, SigningKey::from_pem(value));
        check("SigningKey::from_jwk", &secret, SigningKey::from_jwk(value));
        check("SigningKey::from_text_or_path", &secret, SigningKey::from_text_or_path(value));
        let org = OrgUrl::parse("https://acme.okta.com").unwrap();
        check("UserSignIn client id", &secret, UserSignIn::new(&org, value, "http://localhost:8080/callback"));
        check("UserSignIn redirect URI", &secret, UserSignIn::new(&org, "0oa1", value));

        // ORNs.
        check("Orn::from_str", &secret, value.parse::<Orn>());
        check("Orn::group", &secret, Orn::group(Partition::Okta, value, value));
        check("Orn::app", &secret, Orn::app(Partition::Okta, value, value, value));

        // Calls that validate before sending.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let okta = nowhere();
            check("raw path value", &secret, okta.delete_label().label_id(value).send().await);
            check("review(id).details", &secret, okta.security_access_review(value).details().await);
            check("review comment", &secret, okta.security_access_review("sar1").comment(value).await);
            check("labels find", &secret, okta.labels().find(value).await);
            check(
                "labels ensure",
                &secret,
                okta.labels().ensure(value).value(value, None).send().await,
            );
            check(
                "review launch",
                &secret,
                okta.security_access_reviews().launch(value, value).reviewer(value).send().await,
            );
        });
    }
}
