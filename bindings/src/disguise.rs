//! The calculator disguise and the cover profiles, as the shells see them.

use std::sync::Arc;

use corridor_core::disguise::{self as core_disguise, calculator, cover};

use crate::error::CorridorError;
use crate::vault::{ProfileSession, Vault};

type Result<T> = std::result::Result<T, CorridorError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CalculatorKey {
    Digit { value: u8 },
    Point,
    Add,
    Subtract,
    Multiply,
    Divide,
    Percent,
    Negate,
    Equals,
    Clear,
    Backspace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ClearLabel {
    /// "AC"
    AllClear,
    /// "C"
    Clear,
}

/// How numbers are drawn: the decimal separator and the grouping separator (none: no grouping).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NumberFormat {
    pub decimal_separator: String,
    pub grouping_separator: Option<String>,
}

/// What one key press gives the shell: draw `display` and `clear_label` at once. When `attempt`
/// is present, await `attempt.outcome()` off the UI thread: a profile means switch to the app;
/// nothing means carry on being a calculator. Nothing on screen may differ either way.
#[derive(uniffi::Record)]
pub struct KeyPressResult {
    pub display: String,
    pub clear_label: ClearLabel,
    pub attempt: Option<Arc<UnlockAttempt>>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CoverInfo {
    pub id: String,
    pub app_label: String,
    pub icon_name: String,
    pub history: Vec<String>,
    pub notification_title: String,
    pub notification_texts: Vec<String>,
}

impl From<cover::Cover> for CoverInfo {
    fn from(cover: cover::Cover) -> Self {
        CoverInfo {
            id: cover.id,
            app_label: cover.app_label,
            icon_name: cover.icon_name,
            history: cover.history,
            notification_title: cover.notification_title,
            notification_texts: cover.notification_texts,
        }
    }
}

/// Every built-in cover.
#[uniffi::export]
pub fn covers() -> Vec<CoverInfo> {
    cover::covers().into_iter().map(CoverInfo::from).collect()
}

impl TryFrom<CalculatorKey> for calculator::Key {
    type Error = CorridorError;

    fn try_from(key: CalculatorKey) -> Result<Self> {
        Ok(match key {
            CalculatorKey::Digit { value } if value <= 9 => calculator::Key::Digit(value),
            CalculatorKey::Digit { .. } => {
                return Err(CorridorError::InvalidInput {
                    field: "key".into(),
                    reason: "a digit is 0 to 9".into(),
                })
            }
            CalculatorKey::Point => calculator::Key::Point,
            CalculatorKey::Add => calculator::Key::Add,
            CalculatorKey::Subtract => calculator::Key::Subtract,
            CalculatorKey::Multiply => calculator::Key::Multiply,
            CalculatorKey::Divide => calculator::Key::Divide,
            CalculatorKey::Percent => calculator::Key::Percent,
            CalculatorKey::Negate => calculator::Key::Negate,
            CalculatorKey::Equals => calculator::Key::Equals,
            CalculatorKey::Clear => calculator::Key::Clear,
            CalculatorKey::Backspace => calculator::Key::Backspace,
        })
    }
}

fn single_char(text: &str, field: &str) -> Result<char> {
    let mut characters = text.chars();
    match (characters.next(), characters.next()) {
        (Some(character), None) => Ok(character),
        _ => Err(CorridorError::InvalidInput {
            field: field.into(),
            reason: "give exactly one character".into(),
        }),
    }
}

/// A PIN attempt made through the calculator, running in the background.
#[derive(uniffi::Object)]
pub struct UnlockAttempt {
    inner: core_disguise::UnlockAttempt,
}

#[uniffi::export]
impl UnlockAttempt {
    /// The unlocked profile, or nothing (the calculator carries on).
    pub async fn outcome(&self) -> Option<Arc<ProfileSession>> {
        self.inner
            .outcome()
            .await
            .map(|inner| Arc::new(ProfileSession { inner }))
    }
}

/// The calculator disguise over a vault.
#[derive(uniffi::Object)]
pub struct Disguise {
    inner: core_disguise::Disguise,
}

#[uniffi::export]
impl Disguise {
    #[uniffi::constructor]
    pub fn new(vault: Arc<Vault>, format: NumberFormat) -> Result<Arc<Self>> {
        let format = calculator::NumberFormat {
            decimal_separator: single_char(&format.decimal_separator, "decimal_separator")?,
            grouping_separator: match format.grouping_separator {
                Some(text) => Some(single_char(&text, "grouping_separator")?),
                None => None,
            },
        };
        Ok(Arc::new(Disguise {
            inner: core_disguise::Disguise::new(vault.inner.clone(), format),
        }))
    }

    /// Applies one key; returns at once.
    pub fn press(&self, key: CalculatorKey) -> Result<KeyPressResult> {
        Ok(self.press_core(key.try_into()?))
    }

    /// Applies one key given as a character (`0-9 . + - * / % = C < ~`).
    pub fn press_char(&self, key: String) -> Result<KeyPressResult> {
        let character = single_char(&key, "key")?;
        let key = calculator::Key::from_char(character).ok_or_else(|| CorridorError::InvalidInput {
            field: "key".into(),
            reason: format!("{character:?} is not a calculator key"),
        })?;
        Ok(self.press_core(key))
    }

    pub fn display(&self) -> String {
        self.inner.display()
    }
}

impl Disguise {
    fn press_core(&self, key: calculator::Key) -> KeyPressResult {
        let press = self.inner.press(key);
        KeyPressResult {
            display: press.display,
            clear_label: match press.clear_label {
                calculator::ClearLabel::AllClear => ClearLabel::AllClear,
                calculator::ClearLabel::Clear => ClearLabel::Clear,
            },
            attempt: press.attempt.map(|inner| Arc::new(UnlockAttempt { inner })),
        }
    }
}
