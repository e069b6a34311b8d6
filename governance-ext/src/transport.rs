//! The ext crate's [`Transport`]: attaches credentials (only ever for the configured org),
//! answers DPoP nonce challenges, refreshes a refused token once, and turns its own failures
//! into typed errors that travel back through the generated client (see
//! `governance_client::hooks`).

use std::sync::Arc;

use governance_client::hooks::{failure_response, BoxFuture, Transport};
use governance_client::Operation;
use reqwest::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};

use crate::auth::Authenticator;
use crate::config::OrgUrl;
use crate::error::{AuthError, Error};

/// How often one request is re-sent for a new resource-server DPoP nonce.
const NONCE_RETRIES: usize = 2;

pub(crate) struct AuthTransport {
    pub auth: Arc<Authenticator>,
    pub org: OrgUrl,
}

fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::Auth(AuthError::Unauthorized(
            "credential is not a valid header value".into(),
        ))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl AuthTransport {
    async fn run(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> Result<reqwest::Response, Error> {
        if !self.org.is_same_origin(request.url()) {
            return Err(AuthError::ForeignHost {
                url: request.url().to_string(),
                org: self.org.as_str().to_string(),
            }
            .into());
        }
        let method = request.method().as_str().to_string();
        let url = request.url().clone();
        let mut refreshed = false;
        let mut nonce_retries = 0;
        loop {
            let mut attempt = request
                .try_clone()
                .ok_or_else(|| Error::Transport("request body cannot be replayed".into()))?;
            let headers = self.auth.headers(&method, &url).await?;
            attempt
                .headers_mut()
                .insert(AUTHORIZATION, sensitive(headers.authorization.expose())?);
            if let Some(proof) = &headers.dpop {
                attempt
                    .headers_mut()
                    .insert("DPoP", sensitive(proof.expose())?);
            }
            let response = client
                .execute(attempt)
                .await
                .map_err(|e| Error::Transport(e.without_url().to_string()))?;
            if let Some(nonce) = response
                .headers()
                .get("dpop-nonce")
                .and_then(|v| v.to_str().ok())
            {
                self.auth.set_resource_nonce(nonce.to_string());
            }
            let challenge = response
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            match response.status().as_u16() {
                401 if challenge.contains("use_dpop_nonce")
                    && response.headers().contains_key("dpop-nonce")
                    && nonce_retries < NONCE_RETRIES =>
                {
                    nonce_retries += 1;
                    tracing::debug!("resource server demanded a DPoP nonce; retrying with it");
                }
                401 if challenge.contains("invalid_token") && !refreshed => {
                    let Some(token) = &headers.token else {
                        return Ok(response);
                    };
                    tracing::debug!("access token refused (invalid_token); fetching a new one and retrying once");
                    self.auth.invalidate(token).await;
                    refreshed = true;
                }
                403 if challenge.contains("insufficient_scope") => {
                    let operation = operation.map(|op| (op.id, op.scopes.join(" ")));
                    let (operation, scopes) = operation.unwrap_or(("unknown", String::new()));
                    return Err(AuthError::MissingScope { operation, scopes }.into());
                }
                _ => return Ok(response),
            }
        }
    }
}

impl Transport for AuthTransport {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(async move {
            match self.run(client, request, operation).await {
                Ok(response) => Ok(response),
                Err(error) => Ok(failure_response(error)),
            }
        })
    }
}
