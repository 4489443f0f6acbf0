//! Requests the API cannot read are refused before any handler, in Chargebee's error shape: a body over
//! [`MAX_BODY`] (413), form parameters that are not UTF-8 once decoded (400), and whatever axum itself
//! refuses (a method the path does not take, a JSON body that does not parse) with its own status. A
//! garbled name is never stored as replacement characters.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Refusal;
use growthkit_wire::ApiError;

/// The largest request body read: Chargebee's own calls are far smaller.
pub const MAX_BODY: usize = 1024 * 1024;

pub async fn readable_or_refused(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let message = format!("The request body is over {} KB", MAX_BODY / 1024);
        return Refusal(ApiError::unreadable(413, message)).into_response();
    };
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json && !decodes_as_utf8(&bytes) {
        return Refusal(ApiError::unreadable(400, "Form parameters must be UTF-8")).into_response();
    }
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    in_chargebee_shape(res).await
}

/// Every percent-decoded name and value of a form body (or query) is UTF-8.
fn decodes_as_utf8(form: &[u8]) -> bool {
    form.split(|&b| b == b'&').flat_map(|pair| pair.split(|&b| b == b'=')).all(|part| decoded(part).is_some())
}

fn decoded(part: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'%' => {
                let hex = part.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// An error answer that is not already Chargebee's JSON (axum's own rejections are plain text) becomes
/// one with the same status.
async fn in_chargebee_shape(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let text = axum::body::to_bytes(res.into_body(), 4 * 1024).await.unwrap_or_default();
    let message = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if message.is_empty() { status.canonical_reason().unwrap_or("Refused").to_owned() } else { message };
    let code = if status == StatusCode::INTERNAL_SERVER_ERROR { 500 } else { status.as_u16() };
    Refusal(ApiError::unreadable(code, message)).into_response()
}

#[cfg(test)]
mod tests {
    use super::decodes_as_utf8;

    #[test]
    fn form_bodies_must_decode_to_utf8() {
        assert!(decodes_as_utf8(b"first_name=Ren%C3%A9e&last_name=O+Brien"));
        assert!(decodes_as_utf8(b""));
        assert!(decodes_as_utf8(b"odd=100%"), "a lone percent sign is kept as written");
        assert!(!decodes_as_utf8(b"first_name=%FF%FE"));
        assert!(!decodes_as_utf8(b"first_name=\xff"));
        assert!(!decodes_as_utf8(b"%C3=x"), "names too");
    }
}
