//! DPoP (RFC 9449): an ephemeral P-256 key per client and a fresh proof per request.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use url::Url;

use crate::auth::keys::PublicJwk;
use crate::crypto::Signer;
use crate::error::AuthError;
use crate::secret::Secret;

/// How often one request is re-sent for a new DPoP nonce, at the token endpoint (`400
/// use_dpop_nonce`) and at a resource server (`401` with a `use_dpop_nonce` challenge) alike.
pub(crate) const NONCE_RETRIES: usize = 2;

/// The client's DPoP key pair (generated in memory, never leaves the process).
pub struct DpopKey {
    signer: Signer,
    jwk: PublicJwk,
}

/// A proof's JOSE header: `typ`, `alg` and the public key.
#[derive(Serialize)]
struct ProofHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    jwk: &'a PublicJwk,
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
        let (signer, _pkcs8) =
            Signer::generate_ec().map_err(|e| signing_error(format!("{e:?}")))?;
        // The proof's header carries the bare public key (`kty`, `crv`, `x`, `y`).
        let jwk = PublicJwk::of(&signer.public_parts(), None, None);
        Ok(Self { signer, jwk })
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
        let header = ProofHeader {
            typ: "dpop+jwt",
            alg: self.signer.algorithm(),
            jwk: &self.jwk,
        };
        let claims = ProofClaims {
            jti: random_id()?,
            htm: method,
            htu: htu(url),
            iat: now_secs(),
            ath: access_token
                .map(|token| URL_SAFE_NO_PAD.encode(crate::crypto::sha256(token.as_bytes()))),
            nonce,
        };
        crate::crypto::sign_jws(&header, &claims, &self.signer)
            .map(Secret::new)
            .map_err(signing_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    #[test]
    fn proofs_verify_with_the_embedded_key_and_carry_the_claims() {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
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
            URL_SAFE_NO_PAD.encode(crate::crypto::sha256(b"token-value"))
        );
        let other = key.proof("GET", &url, None, None).unwrap();
        let other = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(other.expose())
            .unwrap()
            .claims;
        assert_ne!(other["jti"], claims["jti"]);
        assert!(other.get("ath").is_none() && other.get("nonce").is_none());
    }
}
