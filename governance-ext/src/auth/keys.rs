//! Private keys for `private_key_jwt`: RSA (RS256) and EC P-256 (ES256), from PEM (PKCS#1,
//! PKCS#8, SEC1) or from a private JWK.
//!
//! A key is parsed once, by the crypto backend the crate was built with (`ring` or
//! `aws-lc-rs`), which holds the private material from then on; the text it came from is kept
//! in zeroizing buffers while it is read.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rustls_pki_types::pem::{self, PemObject, SectionKind};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::{KeyError, PublicParts, Signer};
use crate::error::ConfigError;

/// The JWS algorithm of a [`SigningKey`]: the two Okta accepts for `private_key_jwt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (an RSA key of at least 2048 bits).
    Rs256,
    /// ECDSA with P-256 and SHA-256.
    Es256,
}

impl SigningAlgorithm {
    /// The JWS name (`RS256`, `ES256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }
}

impl std::fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A private signing key and its JWS algorithm. Cheap to clone (the key is shared).
#[derive(Clone)]
pub struct SigningKey {
    signer: Signer,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, ***)", self.algorithm())
    }
}

fn invalid(reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: "privateKey (OKTA_CLIENT_PRIVATEKEY)",
        reason: reason.into(),
    }
}

/// The first private key block of a PEM text (PKCS#1, SEC1 or PKCS#8), decoded. The messages
/// name the problem (a missing END line, bad base64), never the text.
fn first_private_key(pem: &str) -> Result<(SectionKind, Zeroizing<Vec<u8>>), ConfigError> {
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(pem.as_bytes()) {
        let (kind, der) = section.map_err(|e| {
            invalid(match e {
                pem::Error::MissingSectionEnd { .. } => "bad PEM: a block has no END line",
                pem::Error::IllegalSectionStart { .. } => "bad PEM: a BEGIN line is malformed",
                pem::Error::Base64Decode(_) => "bad PEM: a block's body is not base64",
                pem::Error::SectionTooLarge => "bad PEM: a block is larger than 256 MB",
                _ => "bad PEM",
            })
        })?;
        let der = Zeroizing::new(der);
        if matches!(
            kind,
            SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey | SectionKind::PrivateKey
        ) {
            return Ok((kind, der));
        }
    }
    Err(invalid(if pem.contains("ENCRYPTED PRIVATE KEY") {
        "the PEM key is encrypted (`ENCRYPTED PRIVATE KEY`): it must be decrypted first \
         (`openssl pkcs8 -topk8 -nocrypt`)"
    } else {
        "no supported PEM private key: expected an `RSA PRIVATE KEY`, `EC PRIVATE KEY` or \
         `PRIVATE KEY` block"
    }))
}

fn refused(e: KeyError) -> ConfigError {
    match e {
        KeyError::TooSmall => invalid(format!(
            "the RSA key is shorter than {MIN_RSA_BITS} bits; Okta requires at least {MIN_RSA_BITS}"
        )),
        KeyError::Invalid(reason) => invalid(reason),
        KeyError::Random => invalid("the system random source failed to generate a key"),
    }
}

impl SigningKey {
    fn checked(signer: Signer) -> Result<Self, ConfigError> {
        let key = Self { signer };
        key.check()?;
        Ok(key)
    }

    /// A PEM private key: RSA (`BEGIN RSA PRIVATE KEY` or PKCS#8) or EC P-256 (PKCS#8 or
    /// `BEGIN EC PRIVATE KEY`). Other blocks in the text (a certificate beside the key) are
    /// passed over; the first private key is used.
    pub fn from_pem(pem: &str) -> Result<Self, ConfigError> {
        let pem = Zeroizing::new(pem.trim().to_string());
        if !pem.contains("PRIVATE KEY") {
            return Err(invalid("not a PEM private key (no `PRIVATE KEY` block)"));
        }
        let (kind, der) = first_private_key(&pem)?;
        let signer = match kind {
            SectionKind::RsaPrivateKey => Signer::rsa_pkcs1(&der).map_err(refused)?,
            SectionKind::EcPrivateKey => Signer::ec_sec1(&der).map_err(refused)?,
            _ => match Signer::rsa_pkcs8(&der) {
                Ok(signer) => signer,
                // An RSA key that reads but is refused (too short) says why.
                Err(KeyError::TooSmall) => return Err(refused(KeyError::TooSmall)),
                Err(_) => Signer::ec_pkcs8(&der).map_err(|_| {
                    invalid(
                        "the PEM key is neither an RSA key nor an EC P-256 key usable for signing",
                    )
                })?,
            },
        };
        Self::checked(signer)
    }

    /// A private JWK (`{"kty":"RSA","n","e","d","p","q","dp","dq","qi"}` or
    /// `{"kty":"EC","crv":"P-256","x","y","d"}`).
    pub fn from_jwk(json: &str) -> Result<Self, ConfigError> {
        let jwk: PrivateJwk =
            // serde's message is not kept: it can quote a value of the key.
            serde_json::from_str(json).map_err(|e| {
                invalid(format!(
                    "not a JWK (JSON error at line {}, column {})",
                    e.line(),
                    e.column()
                ))
            })?;
        let signer = match jwk.kty.as_str() {
            "RSA" => {
                let members = [
                    member(&jwk.n, "n")?,
                    member(&jwk.e, "e")?,
                    member(&jwk.d, "d")?,
                    member(&jwk.p, "p")?,
                    member(&jwk.q, "q")?,
                    member(&jwk.dp, "dp")?,
                    member(&jwk.dq, "dq")?,
                    member(&jwk.qi, "qi")?,
                ];
                Signer::rsa_parts(members.each_ref().map(|m| m.as_slice())).map_err(refused)?
            }
            "EC" => {
                if jwk.crv.as_deref() != Some("P-256") {
                    return Err(invalid("only EC keys on curve P-256 (ES256) are supported"));
                }
                let d = member(&jwk.d, "d")?;
                let (x, y) = (member(&jwk.x, "x")?, member(&jwk.y, "y")?);
                Signer::ec_parts(&d, &x, &y).map_err(refused)?
            }
            other => {
                return Err(invalid(format!(
                    "JWK key type `{}` is not RSA or EC",
                    okta_governance_client::error::redacted(other)
                )))
            }
        };
        Self::checked(signer)
    }

    /// PEM or JWK text, or the path of a file holding one (the Okta SDKs' `privateKey` setting).
    ///
    /// Quotes around the whole value are dropped (`docker --env-file` keeps them) and a PEM
    /// whose line breaks were written as `\n` is read as PEM. A value that is none of these
    /// is never echoed in the error unless it plausibly is a path: it may be key material.
    pub fn from_text_or_path(value: &str) -> Result<Self, ConfigError> {
        let trimmed = strip_quotes(value.trim());
        if trimmed.starts_with("-----BEGIN") {
            if trimmed.contains("\\n") && !trimmed.contains('\n') {
                return Self::from_pem(&Zeroizing::new(trimmed.replace("\\n", "\n")));
            }
            return Self::from_pem(trimmed);
        }
        if trimmed.starts_with('{') {
            return Self::from_jwk(trimmed);
        }
        if !plausible_path(trimmed) {
            return Err(invalid(
                "the value is not PEM (`-----BEGIN ...`), not a JWK (`{...}`) and not a file path \
                 (not shown: it may be key material)",
            ));
        }
        let shown = okta_governance_client::error::redacted(trimmed);
        let text = crate::files::read_text(trimmed.as_ref(), MAX_KEY_FILE).map_err(|e| {
            invalid(match e {
                crate::files::ReadError::Io(e) => format!("cannot read key file {shown}: {e}"),
                crate::files::ReadError::TooLarge => format!(
                    "key file {shown} is larger than {MAX_KEY_FILE} bytes, the most a PEM or JWK \
                     key takes"
                ),
                crate::files::ReadError::NotText => {
                    format!("key file {shown} is not text (PEM or JWK; DER is not read)")
                }
            })
        })?;
        if text.trim_start().starts_with('{') {
            Self::from_jwk(&text)
        } else {
            Self::from_pem(&text)
        }
    }

    /// A new random EC P-256 (ES256) key, generated in memory. Register its
    /// [`public_jwk`](Self::public_jwk) with the service app; the simulated org does that itself.
    pub fn generate_es256() -> Result<Self, ConfigError> {
        let (signer, _pkcs8) = Signer::generate_ec().map_err(refused)?;
        Self::checked(signer)
    }

    /// The public half as a JWK in JSON (`kty`, `alg`, `use: sig`, `kid` when given, and
    /// `n`/`e` or `crv`/`x`/`y`): what the service app's JWKS in Okta must hold.
    pub fn public_jwk(&self, kid: Option<&str>) -> Result<String, ConfigError> {
        serde_json::to_string(&self.jwk(kid))
            .map_err(|e| invalid(format!("cannot write the JWK: {e}")))
    }

    /// The public JWK as a value (for the simulated org's key registry and JWS headers).
    pub(crate) fn jwk(&self, kid: Option<&str>) -> PublicJwk {
        PublicJwk::of(&self.signer.public_parts(), Some(self.algorithm()), kid)
    }

    /// The JWS algorithm.
    pub fn algorithm(&self) -> SigningAlgorithm {
        match self.signer {
            Signer::Rsa(_) => SigningAlgorithm::Rs256,
            Signer::Ec(_) => SigningAlgorithm::Es256,
        }
    }

    /// The backend's key.
    pub(crate) fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Checks the RSA size Okta requires and signs a throw-away token, so that a bad key fails
    /// at configuration time.
    fn check(&self) -> Result<(), ConfigError> {
        if let Some(bits) = self.signer.rsa_bits() {
            if bits < MIN_RSA_BITS {
                return Err(invalid(format!(
                    "the RSA key has {bits} bits; Okta requires at least {MIN_RSA_BITS}"
                )));
            }
        }
        self.signer
            .sign(b"check")
            .map(drop)
            .map_err(|()| invalid(format!("the key cannot sign {}", self.algorithm())))
    }
}

/// A public JWK: what a JWKS holds and what a DPoP proof's header carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PublicJwk {
    pub(crate) kty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) crv: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) e: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alg: Option<String>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub(crate) use_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kid: Option<String>,
}

impl PublicJwk {
    /// The JWK of `parts`; with `alg`, also `alg` and `use: sig` (a JWKS entry), without them
    /// the bare key (a DPoP header's `jwk`).
    pub(crate) fn of(
        parts: &PublicParts,
        alg: Option<SigningAlgorithm>,
        kid: Option<&str>,
    ) -> Self {
        let b64 = |bytes: &[u8]| Some(URL_SAFE_NO_PAD.encode(bytes));
        let mut jwk = match parts {
            PublicParts::Rsa { n, e } => Self {
                kty: "RSA".into(),
                crv: None,
                x: None,
                y: None,
                n: b64(n),
                e: b64(e),
                alg: None,
                use_: None,
                kid: None,
            },
            PublicParts::Ec { x, y } => Self {
                kty: "EC".into(),
                crv: Some("P-256".into()),
                x: b64(x),
                y: b64(y),
                n: None,
                e: None,
                alg: None,
                use_: None,
                kid: None,
            },
        };
        if let Some(alg) = alg {
            jwk.alg = Some(alg.as_str().into());
            jwk.use_ = Some("sig".into());
        }
        jwk.kid = kid.map(str::to_string);
        jwk
    }
}

/// `value` without one pair of matching quotes around it.
fn strip_quotes(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner.trim();
        }
    }
    value
}

/// Whether `value` may be shown as a file path in an error: short, one line, no control
/// characters, and not a run of base64 (bare key material often is). A real path is not
/// secret; a key pasted in the wrong form must never be echoed.
fn plausible_path(value: &str) -> bool {
    let base64ish = value.len() >= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
        && !value.contains('.');
    !value.is_empty() && value.len() <= 1024 && !value.chars().any(char::is_control) && !base64ish
}

/// The smallest RSA modulus Okta accepts for `private_key_jwt`.
pub const MIN_RSA_BITS: usize = 2048;

/// The largest key file read, in bytes: a PEM of a 16,384-bit RSA key is about 13 KiB.
const MAX_KEY_FILE: u64 = 64 * 1024;

#[derive(Deserialize)]
struct PrivateJwk {
    kty: String,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    d: Option<String>,
    p: Option<String>,
    q: Option<String>,
    dp: Option<String>,
    dq: Option<String>,
    qi: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

fn member(value: &Option<String>, name: &str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let value = value.as_deref().ok_or_else(|| {
        invalid(format!(
            "JWK member `{name}` is missing (a private key is needed)"
        ))
    })?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map(Zeroizing::new)
        // base64's own message can quote a symbol of the value: only its position is kept.
        .map_err(|e| {
            let problem = match e {
                base64::DecodeError::InvalidByte(at, _) => {
                    format!("a character outside the URL-safe alphabet at offset {at}")
                }
                base64::DecodeError::InvalidLastSymbol { offset: at, .. } => {
                    format!("a last character with stray bits at offset {at}")
                }
                base64::DecodeError::InvalidLength(length) => {
                    format!("{length} symbols, a length no encoding has")
                }
                base64::DecodeError::InvalidPadding => "padding (base64url here has none)".into(),
            };
            invalid(format!("JWK member `{name}` is not base64url: {problem}"))
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A freshly generated EC P-256 key as PKCS#8 PEM.
    pub(crate) fn ec_pem() -> String {
        let (_, doc) = crate::crypto::Signer::generate_ec().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc.as_slice());
        format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n")
    }

    #[test]
    fn quoted_and_escaped_pems_are_read_and_key_material_is_never_echoed() {
        let pem = ec_pem();
        for wrapped in [
            format!("\"{pem}\""),
            format!("'{pem}'"),
            format!("\"{}\"", pem.trim().replace('\n', "\\n")),
        ] {
            assert!(SigningKey::from_text_or_path(&wrapped).is_ok(), "{wrapped}");
        }
        // The body of a key without its PEM armour, quoted or not, and broken PEM/JWK text.
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let jwk_like = format!("{{\"kty\":\"EC\",\"d\":\"{}\"", &body[..40]);
        for secret in [
            body.clone(),
            format!("\"{body}\""),
            format!("{body}\n"),
            jwk_like,
        ] {
            let err = SigningKey::from_text_or_path(&secret).unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                for window in body.as_bytes().windows(12) {
                    let window = std::str::from_utf8(window).unwrap();
                    assert!(!text.contains(window), "{text}");
                }
            }
        }
        // A path is shown as every caller value is: its start and its length (it may be
        // key material that only looks like a path).
        let err = SigningKey::from_text_or_path("/etc/okta/missing-key.pem").unwrap_err();
        assert!(err.to_string().contains("`/etc/o…` (25 bytes)"), "{err}");
    }

    #[test]
    fn ec_pem_keys_sign_es256() {
        let key = SigningKey::from_pem(&ec_pem()).unwrap();
        assert_eq!(key.algorithm(), SigningAlgorithm::Es256);
        assert_eq!(key.algorithm().as_str(), "ES256");
        assert_eq!(format!("{key:?}"), "SigningKey(ES256, ***)");
    }

    #[test]
    fn generated_keys_publish_a_jwk_that_verifies_their_signatures() {
        let key = SigningKey::generate_es256().unwrap();
        let text = key.public_jwk(Some("k1")).unwrap();
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&text).unwrap();
        assert_eq!(jwk.common.key_id.as_deref(), Some("k1"));
        assert!(
            !text.contains("\"d\""),
            "a public JWK has no private member: {text}"
        );
        let token = crate::crypto::sign_jws(
            &serde_json::json!({"alg": "ES256"}),
            &serde_json::json!({"sub": "x"}),
            key.signer(),
        )
        .unwrap();
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap(),
            &validation,
        )
        .unwrap();
    }

    #[test]
    fn every_pem_and_jwk_form_reads_and_agrees() {
        let pkcs8 = SigningKey::from_pem(include_str!("testdata/rsa2048.pem")).unwrap();
        let pkcs1 = SigningKey::from_pem(include_str!("testdata/rsa2048-pkcs1.pem")).unwrap();
        assert_eq!(pkcs8.algorithm(), SigningAlgorithm::Rs256);
        assert_eq!(
            pkcs8.public_jwk(None).unwrap(),
            pkcs1.public_jwk(None).unwrap()
        );
        let sec1 = SigningKey::from_pem(include_str!("testdata/ec-sec1.pem")).unwrap();
        assert_eq!(sec1.algorithm(), SigningAlgorithm::Es256);
        // An EC JWK with the private scalar gives the same public key back.
        let public: serde_json::Value =
            serde_json::from_str(&sec1.public_jwk(None).unwrap()).unwrap();
        let (_, block) = first_private_key(include_str!("testdata/ec-sec1.pem")).unwrap();
        let d = &block[7..39];
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"],
            "d": URL_SAFE_NO_PAD.encode(d),
        });
        let from_jwk = SigningKey::from_jwk(&jwk.to_string()).unwrap();
        assert_eq!(
            from_jwk.public_jwk(None).unwrap(),
            sec1.public_jwk(None).unwrap()
        );
        // An encrypted or unknown PEM block is refused, naming what it is.
        let err = SigningKey::from_pem(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("decrypted first"), "{err}");
    }

    #[test]
    fn a_key_beside_other_blocks_is_found_and_broken_pem_is_named_not_quoted() {
        let pem = ec_pem();
        let bundle = format!("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n{pem}");
        assert_eq!(
            SigningKey::from_pem(&bundle).unwrap().algorithm(),
            SigningAlgorithm::Es256
        );
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        for (text, expected) in [
            (
                format!("-----BEGIN PRIVATE KEY-----\n{body}\n"),
                "has no END line",
            ),
            (
                format!("-----BEGIN PRIVATE KEY-----\n{body}!!\n-----END PRIVATE KEY-----"),
                "not base64",
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
                    .to_string(),
                "no supported PEM private key",
            ),
        ] {
            let err = SigningKey::from_pem(&text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(expected), "{shown}");
            for window in body.as_bytes().windows(12) {
                assert!(
                    !shown.contains(std::str::from_utf8(window).unwrap()),
                    "{shown}"
                );
            }
        }
        // A JWK member that is not base64url is named by its position, never its symbols.
        let err =
            SigningKey::from_jwk(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"sEcReT+/"}"#)
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("`d` is not base64url") && err.contains("offset 6"),
            "{err}"
        );
        assert!(!err.contains('+') && !err.contains("sEcReT"), "{err}");
    }

    #[test]
    fn bad_keys_are_refused_with_the_setting_named() {
        for bad in [
            "",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "{\"kty\":\"oct\"}",
            "{\"kty\":\"EC\",\"crv\":\"P-384\"}",
        ] {
            let err = SigningKey::from_text_or_path(if bad.is_empty() {
                "/nonexistent/key.pem"
            } else {
                bad
            })
            .unwrap_err()
            .to_string();
            assert!(err.contains("privateKey"), "{bad}: {err}");
        }
        let short = SigningKey::from_pem(include_str!("testdata/rsa1024.pem"))
            .unwrap_err()
            .to_string();
        assert!(short.contains("Okta requires at least 2048"), "{short}");
        let err = SigningKey::from_jwk(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`d` is missing"), "{err}");
    }
}
