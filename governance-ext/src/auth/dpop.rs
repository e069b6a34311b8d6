//! DPoP (RFC 9449): an ephemeral P-256 key per client and a fresh proof per request.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;
use zeroize::Zeroizing;

use crate::error::AuthError;
use crate::secret::Secret;

/// The client's DPoP key pair (generated in memory, never leaves the process).
pub struct DpopKey {
    pkcs8: Zeroizing<Vec<u8>>,
    jwk: Jwk,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DpopKey(ES256, ***)")
    }
}

fn signing_error(reason: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AuthError {
    AuthError::Signing {
        what: "DPoP proof",
        source: crate::error::cause(reason),
    }
}

/// 16 random bytes, base64url: unique ids for `jti`.
pub(crate) fn random_id() -> Result<String, AuthError> {
    let mut bytes = [0u8; 16];
    crate::secret::random_bytes(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: String,
    htm: &'a str,
    htu: String,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// `htu`: the request URL without query and fragment.
pub(crate) fn htu(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

impl DpopKey {
    /// A new random P-256 key.
    pub fn generate() -> Result<Self, AuthError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(signing_error)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref())
            .map_err(signing_error)?;
        // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 {
            return Err(signing_error("unexpected public key encoding"));
        }
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(&point[1..33]),
                y: URL_SAFE_NO_PAD.encode(&point[33..65]),
            }),
        };
        Ok(Self {
            pkcs8: Zeroizing::new(doc.as_ref().to_vec()),
            jwk,
        })
    }

    /// A proof for one request: `htm`, `htu` (no query), `iat`, `jti`, `ath` when an access
    /// token is presented, `nonce` when the server demanded one.
    pub fn proof(
        &self,
        method: &str,
        url: &Url,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<Secret, AuthError> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let claims = ProofClaims {
            jti: random_id()?,
            htm: method,
            htu: htu(url),
            iat: now_secs(),
            ath: access_token.map(|token| URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))),
            nonce,
        };
        let key = EncodingKey::from_ec_der(&self.pkcs8);
        jsonwebtoken::encode(&header, &claims, &key)
            .map(Secret::new)
            .map_err(signing_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn proofs_verify_with_the_embedded_key_and_carry_the_claims() {
        let key = DpopKey::generate().unwrap();
        let url = Url::parse("https://acme.okta.com/governance/api/v1/labels?after=x#f").unwrap();
        let proof = key
            .proof("GET", &url, Some("token-value"), Some("n0nce"))
            .unwrap();
        let header = jsonwebtoken::decode_header(proof.expose()).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(
            proof.expose(),
            &DecodingKey::from_jwk(&jwk).unwrap(),
            &validation,
        )
        .unwrap();
        let claims = data.claims;
        assert_eq!(claims["htm"], "GET");
        assert_eq!(
            claims["htu"],
            "https://acme.okta.com/governance/api/v1/labels"
        );
        assert_eq!(claims["nonce"], "n0nce");
        assert_eq!(
            claims["ath"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(b"token-value"))
        );
        let other = key.proof("GET", &url, None, None).unwrap();
        let other = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(other.expose())
            .unwrap()
            .claims;
        assert_ne!(other["jti"], claims["jti"]);
        assert!(other.get("ath").is_none() && other.get("nonce").is_none());
    }
}
