//! Reading PINs: from an environment variable, or a prompt on the terminal without echo.

use corridor_core::error::Error;
use corridor_core::pin::Pin;
use zeroize::Zeroizing;

/// Reads a PIN from `variable` or, if unset, prompts on the terminal without echo.
pub fn read_pin(variable: &str, prompt: &str) -> Result<Pin, Error> {
    let typed = read_raw(variable, prompt)?;
    Pin::normalise(&typed)
}

/// Like [`read_pin`] for a PIN being chosen: a prompted PIN is asked twice.
pub fn read_new_pin(variable: &str, prompt: &str) -> Result<Pin, Error> {
    if let Some(value) = std::env::var_os(variable) {
        let typed = Zeroizing::new(value.to_string_lossy().into_owned());
        return Pin::choose(&typed);
    }
    let first = read_raw(variable, prompt)?;
    let pin = Pin::choose(&first)?;
    let second = read_raw(variable, "Type it again: ")?;
    if Pin::normalise(&second)?.as_bytes() != pin.as_bytes() {
        return Err(Error::InvalidInput {
            field: "pin",
            reason: "the two PINs differ".into(),
        });
    }
    Ok(pin)
}

fn read_raw(variable: &str, prompt: &str) -> Result<Zeroizing<String>, Error> {
    if let Some(value) = std::env::var_os(variable) {
        return Ok(Zeroizing::new(value.to_string_lossy().into_owned()));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|_| Error::InvalidInput {
            field: "pin",
            reason: format!("no terminal to ask for the PIN: set {variable}"),
        })
}

/// Reads the recovery secret from CORRIDOR_RECOVERY or a prompt without echo.
pub fn read_recovery_secret() -> Result<corridor_core::codes::RecoverySecret, Error> {
    let typed = read_raw("CORRIDOR_RECOVERY", "Recovery secret: ")?;
    corridor_core::codes::RecoverySecret::parse(&typed)
}
