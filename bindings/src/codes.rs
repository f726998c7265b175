//! Client codes and recovery secrets, as the shells see them.

use corridor_core::codes::{ClientCode, RecoverySecret};
use zeroize::Zeroize;

use crate::error::CorridorError;

type Result<T> = std::result::Result<T, CorridorError>;

/// The most codes one call makes (a clinic prints cards in batches).
const MAX_CODES_PER_CALL: u32 = 10_000;

/// A QR symbol: `width × width` modules row after row (true = dark), without the quiet zone,
/// and the same drawn as SVG with a quiet zone. Both shells draw exactly this.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QrSymbol {
    pub width: u32,
    pub modules: Vec<bool>,
    pub svg: String,
}

impl QrSymbol {
    pub(crate) fn of(code: &ClientCode) -> Result<QrSymbol> {
        let matrix = code.qr()?;
        Ok(QrSymbol {
            svg: matrix.to_svg(8),
            width: matrix.width,
            modules: matrix.modules,
        })
    }
}

/// Reads a typed or scanned client code; returns its normal form (`K7QM-4TX9-B2Q`).
#[uniffi::export]
pub fn parse_client_code(typed: String) -> Result<String> {
    Ok(ClientCode::parse(&typed)?.as_str().to_string())
}

/// Fresh random client codes (for printing clinic cards). 1 to 10,000.
#[uniffi::export]
pub fn generate_client_codes(count: u32) -> Result<Vec<String>> {
    if count == 0 || count > MAX_CODES_PER_CALL {
        return Err(CorridorError::InvalidInput {
            field: "count".into(),
            reason: format!("ask for 1 to {MAX_CODES_PER_CALL} codes"),
        });
    }
    (0..count)
        .map(|_| Ok(ClientCode::generate()?.as_str().to_string()))
        .collect()
}

/// The QR symbol of a client code.
#[uniffi::export]
pub fn client_code_qr(code: String) -> Result<QrSymbol> {
    QrSymbol::of(&ClientCode::parse(&code)?)
}

/// Reads a typed recovery secret into a zeroizing value and wipes the incoming copy.
pub(crate) fn take_recovery_secret(mut typed: String) -> Result<RecoverySecret> {
    let secret = RecoverySecret::parse(&typed);
    typed.zeroize();
    Ok(secret?)
}
