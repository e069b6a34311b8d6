//! The one place that knows which crypto backend the crate was built with.
//!
//! Two backends, chosen by cargo features (see the repository README's "Crypto and TLS
//! backends"): `ring` (the default) and `aws-lc-rs` (AWS-LC, with a FIPS module). aws-lc-rs
//! keeps *ring*'s API, so one code path serves both; the few calls whose signatures differ are
//! marked. With both features on, aws-lc-rs is used.
//!
//! What is done here: RS256 and ES256 signatures for compact JWS (`private_key_jwt`
//! assertions, DPoP proofs), P-256 key generation, reading RSA and P-256 private keys (PKCS#8,
//! PKCS#1, SEC1, JWK members), their public halves, SHA-256 and random bytes. No primitive is
//! implemented here; only the JWS compact form (three base64url parts) is assembled.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use zeroize::Zeroizing;

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as backend;

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "okta-governance needs a crypto backend for signing: enable its `ring` feature (in the \
     default features) or its `aws-lc-rs` feature (AWS-LC, FIPS-capable)"
);

use backend::rand::{SecureRandom as _, SystemRandom};
use backend::rsa::{KeyPairComponents, PublicKeyComponents};
use backend::signature::{
    EcdsaKeyPair, KeyPair as _, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
};

/// The name of the backend in use, for diagnostics.
pub(crate) const BACKEND: &str = if cfg!(feature = "aws-lc-rs") {
    "aws-lc-rs"
} else {
    "ring"
};

/// Why a key was refused (never the key's bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// An RSA modulus shorter than the backend (and Okta) accept.
    TooSmall,
    /// The bytes are not a key of the expected kind, or its parts do not belong together.
    Invalid(&'static str),
    /// The system random source failed.
    Random,
}

/// A private key that signs: RSA (RS256) or EC P-256 (ES256). Cheap to clone.
#[derive(Clone)]
pub(crate) enum Signer {
    Rsa(Arc<RsaKeyPair>),
    Ec(Arc<EcdsaKeyPair>),
}

/// The public half of a [`Signer`], as JWK members (big-endian bytes).
pub(crate) enum PublicParts {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { x: Vec<u8>, y: Vec<u8> },
}

fn rejected(e: backend::error::KeyRejected) -> KeyError {
    // The backends name their reasons (`TooSmall`, `InvalidEncoding`, ...) without key bytes.
    if e.to_string().contains("TooSmall") {
        KeyError::TooSmall
    } else {
        KeyError::Invalid("the key is not usable for signing")
    }
}

fn ec_from_pkcs8(der: &[u8]) -> Result<EcdsaKeyPair, backend::error::KeyRejected> {
    #[cfg(feature = "aws-lc-rs")]
    {
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
    }
}

fn ec_from_parts(d: &[u8], point: &[u8]) -> Result<EcdsaKeyPair, backend::error::KeyRejected> {
    #[cfg(feature = "aws-lc-rs")]
    {
        EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, d, point)
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            d,
            point,
            &SystemRandom::new(),
        )
    }
}

impl Signer {
    /// An RSA key in PKCS#8 DER (`BEGIN PRIVATE KEY`).
    pub(crate) fn rsa_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        RsaKeyPair::from_pkcs8(der)
            .map(|pair| Self::Rsa(Arc::new(pair)))
            .map_err(rejected)
    }

    /// An RSA key in PKCS#1 DER (`BEGIN RSA PRIVATE KEY`).
    pub(crate) fn rsa_pkcs1(der: &[u8]) -> Result<Self, KeyError> {
        RsaKeyPair::from_der(der)
            .map(|pair| Self::Rsa(Arc::new(pair)))
            .map_err(rejected)
    }

    /// An RSA key from its JWK members (`n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`), in that
    /// order, big-endian.
    pub(crate) fn rsa_parts(parts: [&[u8]; 8]) -> Result<Self, KeyError> {
        let [n, e, d, p, q, dp, dq, qi] = parts;
        let components = KeyPairComponents {
            public_key: PublicKeyComponents { n, e },
            d,
            p,
            q,
            dP: dp,
            dQ: dq,
            qInv: qi,
        };
        RsaKeyPair::from_components(&components)
            .map(|pair| Self::Rsa(Arc::new(pair)))
            .map_err(|e| match rejected(e) {
                KeyError::TooSmall => KeyError::TooSmall,
                _ => KeyError::Invalid("the RSA JWK's members do not form an RSA key pair"),
            })
    }

    /// A P-256 key in PKCS#8 DER (`BEGIN PRIVATE KEY`).
    pub(crate) fn ec_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        ec_from_pkcs8(der)
            .map(|pair| Self::Ec(Arc::new(pair)))
            .map_err(|_| KeyError::Invalid("the key is not an EC P-256 key usable for signing"))
    }

    /// A P-256 key from its JWK members: the private scalar `d` and the public point `x`, `y`.
    /// The three must belong together.
    pub(crate) fn ec_parts(d: &[u8], x: &[u8], y: &[u8]) -> Result<Self, KeyError> {
        let mut point = Vec::with_capacity(65);
        point.push(4u8);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        ec_from_parts(d, &point)
            .map(|pair| Self::Ec(Arc::new(pair)))
            .map_err(|_| KeyError::Invalid("the EC JWK's d, x and y do not form a P-256 key pair"))
    }

    /// A P-256 key in SEC1 DER (`BEGIN EC PRIVATE KEY`), which must carry its public key (as
    /// OpenSSL writes it).
    pub(crate) fn ec_sec1(der: &[u8]) -> Result<Self, KeyError> {
        use sec1::der::Decode as _;
        const NOT_P256: KeyError = KeyError::Invalid("the EC PRIVATE KEY is not a P-256 key");
        let key = sec1::EcPrivateKey::from_der(der).map_err(|_| NOT_P256)?;
        if let Some(parameters) = key.parameters {
            let p256 = sec1::der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
            if parameters.named_curve() != Some(p256) {
                return Err(NOT_P256);
            }
        }
        let point = key.public_key.ok_or(KeyError::Invalid(
            "the EC PRIVATE KEY has no public key: write it as PKCS#8 \
             (`openssl pkcs8 -topk8 -nocrypt`)",
        ))?;
        ec_from_parts(key.private_key, point)
            .map(|pair| Self::Ec(Arc::new(pair)))
            .map_err(|_| NOT_P256)
    }

    /// A new random P-256 key, with its PKCS#8 DER.
    pub(crate) fn generate_ec() -> Result<(Self, Zeroizing<Vec<u8>>), KeyError> {
        let document =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| KeyError::Random)?;
        let der = Zeroizing::new(document.as_ref().to_vec());
        let signer = Self::ec_pkcs8(&der)?;
        Ok((signer, der))
    }

    /// The JWS algorithm name: `RS256` or `ES256`.
    pub(crate) fn algorithm(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RS256",
            Self::Ec(_) => "ES256",
        }
    }

    /// The public half.
    pub(crate) fn public_parts(&self) -> PublicParts {
        match self {
            Self::Rsa(pair) => {
                let parts = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                PublicParts::Rsa {
                    n: parts.n,
                    e: parts.e,
                }
            }
            Self::Ec(pair) => {
                // The uncompressed point: 0x04 || x || y, 32 bytes each.
                let point = pair.public_key().as_ref();
                let (x, y) = point.get(1..).unwrap_or_default().split_at(point.len() / 2);
                PublicParts::Ec {
                    x: x.to_vec(),
                    y: y.to_vec(),
                }
            }
        }
    }

    /// The size of an RSA key's modulus in bits (`None` for EC keys).
    pub(crate) fn rsa_bits(&self) -> Option<usize> {
        let PublicParts::Rsa { n, .. } = self.public_parts() else {
            return None;
        };
        let n: Vec<u8> = n.into_iter().skip_while(|b| *b == 0).collect();
        Some(match n.first() {
            Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
            None => 0,
        })
    }

    /// The signature of `message`: RSASSA-PKCS1-v1_5 with SHA-256, or ECDSA P-256 with
    /// SHA-256 in JWS's fixed `r || s` form.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ()> {
        let rng = SystemRandom::new();
        match self {
            Self::Rsa(pair) => {
                // A signature is as long as the modulus.
                let mut signature = vec![0u8; pair.public_key().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| ())?;
                Ok(signature)
            }
            Self::Ec(pair) => pair
                .sign(&rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| ()),
        }
    }
}

/// A compact JWS of `claims` under `header` (which must name `signer`'s algorithm), signed by
/// `signer`.
pub(crate) fn sign_jws(
    header: &impl Serialize,
    claims: &impl Serialize,
    signer: &Signer,
) -> Result<String, &'static str> {
    let message = format!("{}.{}", part(header)?, part(claims)?);
    let signature = signer
        .sign(message.as_bytes())
        .map_err(|()| "the key failed to sign")?;
    Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// One base64url part of a compact JWS.
fn part(value: &impl Serialize) -> Result<String, &'static str> {
    serde_json::to_vec(value)
        .map(|json| URL_SAFE_NO_PAD.encode(json))
        .map_err(|_| "the JWS header or claims cannot be written as JSON")
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    backend::digest::digest(&backend::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), ()> {
    SystemRandom::new().fill(buf).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JWS verifies with `jsonwebtoken` (another implementation) and the published JWK.
    pub(crate) fn verify(token: &str, parts: &PublicParts) -> serde_json::Value {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};
        let (key, alg) = match parts {
            PublicParts::Rsa { n, e } => {
                (DecodingKey::from_rsa_raw_components(n, e), Algorithm::RS256)
            }
            PublicParts::Ec { x, y } => (
                DecodingKey::from_ec_components(
                    &URL_SAFE_NO_PAD.encode(x),
                    &URL_SAFE_NO_PAD.encode(y),
                )
                .unwrap(),
                Algorithm::ES256,
            ),
        };
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let mut validation = Validation::new(alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .unwrap()
            .claims
    }

    #[test]
    fn generated_keys_sign_jws_that_verify_elsewhere() {
        let (signer, _) = Signer::generate_ec().unwrap();
        assert_eq!(signer.algorithm(), "ES256");
        let token = sign_jws(
            &serde_json::json!({"alg": "ES256"}),
            &serde_json::json!({"a": 1}),
            &signer,
        )
        .unwrap();
        assert_eq!(verify(&token, &signer.public_parts())["a"], 1);
    }

    #[test]
    fn rsa_keys_sign_rs256_that_verify_elsewhere() {
        use rustls_pki_types::pem::PemObject as _;
        let der = rustls_pki_types::PrivatePkcs8KeyDer::from_pem_slice(include_bytes!(
            "auth/testdata/rsa2048.pem"
        ))
        .unwrap();
        let signer = Signer::rsa_pkcs8(der.secret_pkcs8_der()).unwrap();
        assert_eq!(signer.rsa_bits(), Some(2048));
        let token = sign_jws(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"b": 2}),
            &signer,
        )
        .unwrap();
        assert_eq!(verify(&token, &signer.public_parts())["b"], 2);
    }

    #[test]
    fn parts_that_do_not_belong_together_are_refused() {
        let (signer, _) = Signer::generate_ec().unwrap();
        let PublicParts::Ec { x, y } = signer.public_parts() else {
            panic!("not EC")
        };
        for d in [&[7u8; 32][..], &[0u8; 32], &[], &[0xff; 32], &[1u8; 64]] {
            assert!(Signer::ec_parts(d, &x, &y).is_err());
        }
        assert!(Signer::ec_parts(&[1u8; 32], &[], &[]).is_err());
        assert!(Signer::ec_sec1(b"not der").is_err());
        assert!(Signer::ec_pkcs8(b"").is_err());
        assert!(Signer::rsa_pkcs1(&[0x30, 0x00]).is_err());
        let empty: &[u8] = &[];
        assert!(Signer::rsa_parts([empty; 8]).is_err());
    }
}
