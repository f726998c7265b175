//! The check symbol: a weighted sum over GF(32).
//!
//! Symbols are the 32 values of Crockford's base32 alphabet, read as elements of GF(2⁵) built
//! with the primitive polynomial x⁵ + x² + 1. A codeword y₁…yₙ (the last symbol being the check)
//! is valid when Σ αⁱ·yᵢ = 0, α the primitive element x. Because α has order 31, the weights
//! α¹…α³¹ are distinct and nonzero, so for any codeword of at most 31 symbols:
//!
//! - a single substitution at position i changes the sum by αⁱ·δ ≠ 0: always detected;
//! - swapping two different adjacent symbols at i, i+1 changes it by αⁱ·(1 + α)·(yᵢ + yᵢ₊₁) ≠ 0
//!   (α ≠ 1): always detected, including a swap of the last data symbol with the check.

/// x⁵ + x² + 1, without the x⁵ bit.
const REDUCTION: u8 = 0b0_0101;

/// Multiplies two elements of GF(32).
pub fn multiply(mut left: u8, mut right: u8) -> u8 {
    let mut product = 0u8;
    for _ in 0..5 {
        if right & 1 == 1 {
            product ^= left;
        }
        right >>= 1;
        let carry = left & 0b1_0000;
        left = (left << 1) & 0b1_1111;
        if carry != 0 {
            left ^= REDUCTION;
        }
    }
    product
}

/// αⁱ.
pub fn alpha_power(exponent: u32) -> u8 {
    (0..exponent % 31).fold(1u8, |value, _| multiply(value, 0b0_0010))
}

/// The multiplicative inverse of a nonzero element (a³⁰, since a³¹ = 1).
fn inverse(value: u8) -> u8 {
    (0..29).fold(value, |power, _| multiply(power, value))
}

/// The weighted sum Σ αⁱ·yᵢ over `symbols`, positions counted from 1.
pub fn weighted_sum(symbols: &[u8]) -> u8 {
    symbols.iter().enumerate().fold(0u8, |sum, (index, symbol)| {
        sum ^ multiply(alpha_power(index as u32 + 1), *symbol)
    })
}

/// The check symbol that makes `data ‖ check` a codeword. At most 30 data symbols.
pub fn check_symbol(data: &[u8]) -> u8 {
    debug_assert!(data.len() <= 30);
    let position = data.len() as u32 + 1;
    multiply(weighted_sum(data), inverse(alpha_power(position)))
}

/// Whether `codeword` (data then check) sums to zero.
pub fn is_codeword(codeword: &[u8]) -> bool {
    weighted_sum(codeword) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_generates_the_whole_multiplicative_group() {
        let powers: std::collections::HashSet<u8> = (0..31).map(alpha_power).collect();
        assert_eq!(powers.len(), 31);
        assert!(!powers.contains(&0));
        assert_eq!(alpha_power(31), 1);
        for value in 1..32u8 {
            assert_eq!(multiply(value, inverse(value)), 1, "{value}");
        }
    }

    #[test]
    fn multiplication_is_a_field_operation() {
        for a in 0..32u8 {
            for b in 0..32u8 {
                assert_eq!(multiply(a, b), multiply(b, a));
                assert!(multiply(a, b) < 32);
                for c in 0..32u8 {
                    assert_eq!(multiply(a, b ^ c), multiply(a, b) ^ multiply(a, c));
                }
            }
        }
    }
}
