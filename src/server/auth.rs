//! API tokens: random, shown once, stored as a SHA-256 hash; `Authorization: Bearer`.

use axum::http::{header, HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::store::Store;

/// Longest account name.
pub const MAX_NAME: usize = 32;

/// A new token: 32 bytes from the operating system's random source, hex, with a prefix
/// that makes leaked tokens easy to recognise.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no random numbers from the operating system: {e}"))?;
    Ok(format!("reel_{}", hex(&bytes)))
}

/// What the database keeps of a token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Checks an account name: 1-32 ASCII letters, digits, '-' or '_', starting with a
/// letter or digit (names appear in URLs, so nothing that needs escaping).
pub fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > MAX_NAME || !ok_chars || !starts_well {
        return Err(ApiError::invalid(
            "bad_name",
            format!(
                "name {name:?}: use 1-{MAX_NAME} letters, digits, '-' or '_', starting with a letter or digit"
            ),
        ));
    }
    Ok(())
}

/// Lets the request through when its bearer token belongs to `name`: 401 without a
/// valid token, 403 with another account's.
pub async fn authorize(store: &Store, headers: &HeaderMap, name: &str) -> Result<(), ApiError> {
    let unauthorized = |message: &str| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            message.to_string(),
        )
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "this needs the account's token: Authorization: Bearer TOKEN",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be: Bearer TOKEN"))?;
    match store.user_for_token(&hash_token(token)).await? {
        None => Err(unauthorized("unknown token")),
        Some(owner) if owner == name => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this token does not belong to {name:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 5 + 64);
        assert_eq!(hash_token("x"), hash_token("x"));
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn names_are_checked() {
        for good in ["ana", "A-1", "x_y", "0", &"a".repeat(MAX_NAME)] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a b", "ä", "a/b", &"a".repeat(MAX_NAME + 1)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
