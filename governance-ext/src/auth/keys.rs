//! Private keys for `private_key_jwt`: RSA (RS256) and EC P-256 (ES256), from PEM (PKCS#1,
//! PKCS#8, SEC1) or from a private JWK.
//!
//! The key material is kept in zeroizing buffers; a `jsonwebtoken::EncodingKey` is built from
//! it for each signature and dropped right after.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::ConfigError;

#[derive(Clone)]
enum Material {
    Pem(Zeroizing<String>),
    /// PKCS#1 (RSA) or PKCS#8 (EC) DER.
    Der(Zeroizing<Vec<u8>>),
}

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

/// A private signing key and its JWS algorithm.
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    material: Material,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?}, ***)", self.alg)
    }
}

fn invalid(reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: "privateKey (OKTA_CLIENT_PRIVATEKEY)",
        reason: reason.into(),
    }
}

impl SigningKey {
    /// A PEM private key: RSA (`BEGIN RSA PRIVATE KEY` or PKCS#8) or EC P-256 (PKCS#8 or
    /// `BEGIN EC PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, ConfigError> {
        let pem = Zeroizing::new(pem.trim().to_string());
        if !pem.contains("PRIVATE KEY") {
            return Err(invalid("not a PEM private key (no `PRIVATE KEY` block)"));
        }
        if pem.contains("BEGIN EC PRIVATE KEY") {
            return Self::from_sec1_pem(&pem);
        }
        for alg in [Algorithm::RS256, Algorithm::ES256] {
            let key = Self {
                alg,
                material: Material::Pem(pem.clone()),
            };
            if key.encoding_key().is_ok() {
                // An RSA key that reads but is refused (too short) says why.
                return key.check().map(|()| key);
            }
        }
        Err(invalid(
            "the PEM key is neither an RSA key nor an EC P-256 key usable for signing",
        ))
    }

    /// SEC1 (`BEGIN EC PRIVATE KEY`), re-encoded as PKCS#8.
    fn from_sec1_pem(pem: &str) -> Result<Self, ConfigError> {
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let block = pem::parse(pem).map_err(|e| invalid(format!("bad PEM: {e}")))?;
        let der = Zeroizing::new(block.into_contents());
        let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .map_err(|_| invalid("the EC PRIVATE KEY is not a P-256 key"))?;
        let doc = pair
            .to_pkcs8v1()
            .map_err(|_| invalid("cannot encode the EC key"))?;
        let key = Self {
            alg: Algorithm::ES256,
            material: Material::Der(Zeroizing::new(doc.as_ref().to_vec())),
        };
        key.check()?;
        Ok(key)
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
        let key = match jwk.kty.as_str() {
            "RSA" => Self {
                alg: Algorithm::RS256,
                material: Material::Der(rsa_pkcs1_der(&jwk)?),
            },
            "EC" => {
                if jwk.crv.as_deref() != Some("P-256") {
                    return Err(invalid("only EC keys on curve P-256 (ES256) are supported"));
                }
                Self {
                    alg: Algorithm::ES256,
                    material: Material::Der(ec_pkcs8_der(&jwk)?),
                }
            }
            other => return Err(invalid(format!("JWK key type `{other}` is not RSA or EC"))),
        };
        key.check()?;
        Ok(key)
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
        let text = Zeroizing::new(std::fs::read_to_string(trimmed).map_err(|e| {
            invalid(format!(
                "cannot read key file {}: {e}",
                okta_governance_client::error::redacted(trimmed)
            ))
        })?);
        if text.trim_start().starts_with('{') {
            Self::from_jwk(&text)
        } else {
            Self::from_pem(&text)
        }
    }

    /// A new random EC P-256 (ES256) key, generated in memory. Register its
    /// [`public_jwk`](Self::public_jwk) with the service app; the simulated org does that itself.
    pub fn generate_es256() -> Result<Self, ConfigError> {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| invalid("the system random source failed to generate a key"))?;
        let key = Self {
            alg: Algorithm::ES256,
            material: Material::Der(Zeroizing::new(doc.as_ref().to_vec())),
        };
        key.check()?;
        Ok(key)
    }

    /// The public half as a JWK in JSON (`kty`, `alg`, `use: sig`, `kid` when given, and
    /// `n`/`e` or `crv`/`x`/`y`): what the service app's JWKS in Okta must hold.
    pub fn public_jwk(&self, kid: Option<&str>) -> Result<String, ConfigError> {
        let jwk = self.jwk(kid)?;
        serde_json::to_string(&jwk).map_err(|e| invalid(format!("cannot write the JWK: {e}")))
    }

    pub(crate) fn jwk(&self, kid: Option<&str>) -> Result<jsonwebtoken::jwk::Jwk, ConfigError> {
        let key = self.encoding_key().map_err(|e| invalid(e.to_string()))?;
        let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&key, self.alg)
            .map_err(|e| invalid(format!("cannot derive the public key: {e}")))?;
        jwk.common.key_id = kid.map(str::to_string);
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        Ok(jwk)
    }

    /// The JWS algorithm.
    pub fn algorithm(&self) -> SigningAlgorithm {
        match self.alg {
            Algorithm::RS256 => SigningAlgorithm::Rs256,
            _ => SigningAlgorithm::Es256,
        }
    }

    /// The JWS algorithm as `jsonwebtoken` names it.
    pub(crate) fn jws_algorithm(&self) -> Algorithm {
        self.alg
    }

    pub(crate) fn encoding_key(&self) -> Result<EncodingKey, jsonwebtoken::errors::Error> {
        match (&self.material, self.alg) {
            (Material::Pem(pem), Algorithm::RS256) => EncodingKey::from_rsa_pem(pem.as_bytes()),
            (Material::Pem(pem), _) => EncodingKey::from_ec_pem(pem.as_bytes()),
            (Material::Der(der), Algorithm::RS256) => Ok(EncodingKey::from_rsa_der(der)),
            (Material::Der(der), _) => Ok(EncodingKey::from_ec_der(der)),
        }
    }

    /// Signs a throw-away token so that a bad key fails at configuration time.
    fn check(&self) -> Result<(), ConfigError> {
        let key = self.encoding_key().map_err(|e| invalid(e.to_string()))?;
        if self.alg == Algorithm::RS256 {
            let bits = self.rsa_bits(&key)?;
            if bits < MIN_RSA_BITS {
                return Err(invalid(format!(
                    "the RSA key has {bits} bits; Okta requires at least {MIN_RSA_BITS}"
                )));
            }
        }
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(self.alg),
            &serde_json::json!({}),
            &key,
        )
        .map(drop)
        .map_err(|e| invalid(format!("the key cannot sign {:?}: {e}", self.alg)))
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

impl SigningKey {
    /// The size of an RSA key's modulus, in bits.
    fn rsa_bits(&self, key: &EncodingKey) -> Result<usize, ConfigError> {
        let jwk = match jsonwebtoken::jwk::Jwk::from_encoding_key(key, self.alg) {
            Ok(jwk) => jwk,
            // aws-lc refuses to load RSA keys under 2048 bits (though it signs with them).
            Err(e) if format!("{e:?}").contains("TooSmall") => {
                return Err(invalid(format!(
                    "the RSA key is shorter than {MIN_RSA_BITS} bits; Okta requires at least {MIN_RSA_BITS}"
                )))
            }
            Err(e) => return Err(invalid(format!("cannot derive the public key: {e}"))),
        };
        let jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
            return Err(invalid("an RS256 key that is not RSA"));
        };
        let n = URL_SAFE_NO_PAD
            .decode(rsa.n.trim_end_matches('='))
            .map_err(|_| invalid("the RSA modulus is not base64url"))?;
        let n = n
            .iter()
            .skip_while(|b| **b == 0)
            .copied()
            .collect::<Vec<u8>>();
        Ok(match n.first() {
            Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
            None => 0,
        })
    }
}

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
        .map_err(|e| invalid(format!("JWK member `{name}` is not base64url: {e}")))
}

/// RSAPrivateKey (PKCS#1) DER from the JWK members.
fn rsa_pkcs1_der(jwk: &PrivateJwk) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    use num_bigint::{BigInt, Sign};
    use simple_asn1::ASN1Block;
    let int = |value: &Option<String>, name: &str| -> Result<ASN1Block, ConfigError> {
        let bytes = member(value, name)?;
        Ok(ASN1Block::Integer(
            0,
            BigInt::from_bytes_be(Sign::Plus, &bytes),
        ))
    };
    let blocks = vec![
        ASN1Block::Integer(0, BigInt::from(0)),
        int(&jwk.n, "n")?,
        int(&jwk.e, "e")?,
        int(&jwk.d, "d")?,
        int(&jwk.p, "p")?,
        int(&jwk.q, "q")?,
        int(&jwk.dp, "dp")?,
        int(&jwk.dq, "dq")?,
        int(&jwk.qi, "qi")?,
    ];
    simple_asn1::to_der(&ASN1Block::Sequence(0, blocks))
        .map(Zeroizing::new)
        .map_err(|e| invalid(format!("cannot encode the RSA key: {e}")))
}

/// PKCS#8 DER of a P-256 key from the JWK members.
fn ec_pkcs8_der(jwk: &PrivateJwk) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    let d = member(&jwk.d, "d")?;
    let mut point = vec![4u8];
    point.extend_from_slice(&member(&jwk.x, "x")?);
    point.extend_from_slice(&member(&jwk.y, "y")?);
    let pair =
        EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &d, &point)
            .map_err(|_| invalid("the EC JWK's d, x and y do not form a P-256 key pair"))?;
    let doc = pair
        .to_pkcs8v1()
        .map_err(|_| invalid("cannot encode the EC key"))?;
    Ok(Zeroizing::new(doc.as_ref().to_vec()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A freshly generated EC P-256 key as PKCS#8 PEM.
    pub(crate) fn ec_pem() -> String {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc.as_ref());
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
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::ES256),
            &serde_json::json!({"sub": "x"}),
            &key.encoding_key().unwrap(),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
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
        assert!(short.contains("shorter than 2048 bits"), "{short}");
        let err = SigningKey::from_jwk(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`d` is missing"), "{err}");
    }
}
