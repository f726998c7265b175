//! PIN normalisation and policy.
//!
//! A PIN is typed into the calculator disguise, which may be set to any script's digits: the
//! core normalises every Unicode decimal digit (general category Nd) to ASCII before anything
//! else, so `٤٨٢٩١٦` and `482916` are the same PIN. The policy refuses PINs that a person
//! holding the phone would guess first.

use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub const MIN_PIN_DIGITS: usize = 6;
pub const MAX_PIN_DIGITS: usize = 32;

/// A normalised PIN: ASCII digits only, zeroized on drop, no `Debug`.
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Trims the input and maps every Unicode decimal digit to ASCII. Anything else is refused.
    /// This does not apply the policy (an unlock attempt with a short PIN is simply wrong).
    pub fn normalise(typed: &str) -> Result<Pin> {
        let trimmed = typed.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid("pin", "enter a PIN"));
        }
        if trimmed.chars().count() > MAX_PIN_DIGITS {
            return Err(Error::invalid(
                "pin",
                format!("a PIN has at most {MAX_PIN_DIGITS} digits"),
            ));
        }
        let mut digits = Zeroizing::new(String::with_capacity(trimmed.len()));
        for character in trimmed.chars() {
            match decimal_digit_value(character) {
                Some(value) => digits.push(char::from(b'0' + value)),
                None => return Err(Error::invalid("pin", "a PIN is made of digits only")),
            }
        }
        Ok(Pin(digits))
    }

    /// Normalises and applies the policy for a PIN being chosen (setup, change).
    pub fn choose(typed: &str) -> Result<Pin> {
        let pin = Pin::normalise(typed)?;
        check_policy(&pin)?;
        Ok(pin)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Refuses short PINs, one repeated digit and straight runs up or down (wrapping past 9 or 0).
pub fn check_policy(pin: &Pin) -> Result<()> {
    let digits: Vec<u8> = pin.as_bytes().iter().map(|byte| byte - b'0').collect();
    if digits.len() < MIN_PIN_DIGITS {
        return Err(Error::invalid("pin", format!("use at least {MIN_PIN_DIGITS} digits")));
    }
    if digits.windows(2).all(|pair| pair[0] == pair[1]) {
        return Err(Error::invalid(
            "pin",
            "do not repeat one digit: it is the first thing anyone tries",
        ));
    }
    if digits.windows(2).all(|pair| pair[1] == (pair[0] + 1) % 10) {
        return Err(Error::invalid(
            "pin",
            "do not use digits counting up (like 123456): it is easy to guess",
        ));
    }
    if digits.windows(2).all(|pair| pair[0] == (pair[1] + 1) % 10) {
        return Err(Error::invalid(
            "pin",
            "do not use digits counting down (like 654321): it is easy to guess",
        ));
    }
    Ok(())
}

/// Code points of the digit zero of every run of ten Unicode decimal digits (category Nd,
/// Unicode 15.1). Each run holds the digits 0 to 9 in order.
const DECIMAL_DIGIT_ZEROS: &[u32] = &[
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6,
    0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
    0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0,
    0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50,
    0x11DA0, 0x11F50, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0,
    0x1E4F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit, or `None` for anything else.
pub fn decimal_digit_value(character: char) -> Option<u8> {
    let code = character as u32;
    DECIMAL_DIGIT_ZEROS
        .iter()
        .find(|&&zero| code >= zero && code < zero + 10)
        .map(|&zero| (code - zero) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn normalised(typed: &str) -> String {
        String::from_utf8(Pin::normalise(typed).unwrap().as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn every_listed_digit_run_is_numeric_and_in_order() {
        for &zero in DECIMAL_DIGIT_ZEROS {
            for value in 0..10 {
                let character = char::from_u32(zero + value).unwrap();
                assert!(character.is_numeric(), "U+{:04X} is not numeric", zero + value);
                assert_eq!(decimal_digit_value(character), Some(value as u8));
            }
        }
    }

    #[test]
    fn digits_of_other_scripts_become_ascii() {
        assert_eq!(normalised("  482916 "), "482916");
        assert_eq!(normalised("٤٨٢٩١٦"), "482916"); // Arabic-Indic
        assert_eq!(normalised("۴۸۲۹۱۶"), "482916"); // Extended Arabic-Indic
        assert_eq!(normalised("४८२९१६"), "482916"); // Devanagari
        assert_eq!(normalised("４８２９１６"), "482916"); // full width
    }

    #[test]
    fn letters_and_symbols_are_refused_with_a_clear_reason() {
        for typed in ["48a916", "482 916", "48-2916", "½12345", "", "   "] {
            match Pin::normalise(typed) {
                Err(Error::InvalidInput { field: "pin", .. }) => {}
                other => panic!("{typed:?} gave {:?}", other.err()),
            }
        }
    }

    #[test]
    fn policy_refuses_guessable_pins_and_says_why() {
        let refused = [
            ("12345", "at least 6"),
            ("111111", "repeat"),
            ("000000", "repeat"),
            ("123456", "counting up"),
            ("234567", "counting up"),
            ("789012", "counting up"),
            ("654321", "counting down"),
            ("987654", "counting down"),
            ("210987", "counting down"),
            ("1234567890123", "counting up"),
        ];
        for (typed, reason) in refused {
            match Pin::choose(typed) {
                Err(Error::InvalidInput {
                    field: "pin",
                    reason: text,
                }) => {
                    assert!(text.contains(reason), "{typed}: {text}")
                }
                _ => panic!("{typed} was accepted"),
            }
        }
        for accepted in ["482916", "112233", "135790", "1234567890124", "٤٨٢٩١٦"] {
            assert!(Pin::choose(accepted).is_ok(), "{accepted} was refused");
        }
    }

    proptest! {
        #[test]
        fn normalise_never_panics_and_yields_ascii_digits(typed in "\\PC{0,40}") {
            if let Ok(pin) = Pin::normalise(&typed) {
                prop_assert!(pin.as_bytes().iter().all(u8::is_ascii_digit));
                prop_assert!(!pin.is_empty() && pin.len() <= MAX_PIN_DIGITS);
            }
        }
    }
}
