//! The calculator the app is disguised as: the iPhone's built-in calculator in standard portrait
//! mode, key for key and display for display.
//!
//! This module owns the keys, the arithmetic (exact decimal arithmetic with `rust_decimal`, never
//! binary floating point, so `0.1 + 0.2` is `0.3` as on the phone), operator precedence, the
//! repeat-on-equals memory, percent and sign change, the clear key's label, and the text the
//! display shows (grouping, rounding to nine digits, scientific notation, "Error"). Phone shells
//! draw only the text [`Calculator::press`] returns.
//!
//! It must never know about PINs or storage: the only hook it offers is
//! [`Calculator::bare_digits`], which reports what was typed and leaves any meaning to the caller.

use rust_decimal::{Decimal, RoundingStrategy};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// The most keys [`parse_keys`] accepts in one string, so a script cannot make the core allocate
/// without bound.
pub const MAX_KEYS: usize = 10_000;

/// The display of an entry stops growing at nine digits, as on the iPhone in portrait.
const MAX_ENTRY_DIGITS: usize = 9;

/// Results are shown with at most nine digits as well (see [`format_value`]).
const MAX_RESULT_DIGITS: usize = 9;

/// How many digits of a bare entry are remembered beyond what the display shows. Long enough for
/// any secret a person types as digits; an entry longer than this is reported as not bare.
const MAX_REMEMBERED_DIGITS: usize = 32;

/// The text shown when a result cannot be computed (division by zero, overflow).
const ERROR_TEXT: &str = "Error";

/// Results of at least 10^9 need more than nine integer digits, so they switch to scientific
/// notation.
const SMALLEST_SCIENTIFIC_LARGE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Nonzero results below 10^-8 switch to scientific notation.
const SMALLEST_FIXED_SMALL: Decimal = Decimal::from_parts(1, 0, 0, false, 8);

/// One key of the calculator's keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A digit key; values above 9 are not keys and are ignored by [`Calculator::press`].
    Digit(u8),
    Point,
    Add,
    Subtract,
    Multiply,
    Divide,
    Percent,
    /// The "+/−" key.
    Negate,
    Equals,
    /// The "AC"/"C" key; what it clears depends on [`Calculator::clear_label`].
    Clear,
    /// Deleting the last typed character (a swipe on the iPhone's display).
    Backspace,
}

impl Key {
    /// '0'..='9', '.', '+', '-' (also '−'), '*' (also '×', 'x'), '/' (also '÷'), '%', '=', 'C' or 'c', '<', '~'.
    pub fn from_char(character: char) -> Option<Key> {
        let key = match character {
            '0'..='9' => Key::Digit(character as u8 - b'0'),
            '.' => Key::Point,
            '+' => Key::Add,
            '-' | '−' => Key::Subtract,
            '*' | '×' | 'x' => Key::Multiply,
            '/' | '÷' => Key::Divide,
            '%' => Key::Percent,
            '=' => Key::Equals,
            'C' | 'c' => Key::Clear,
            '<' => Key::Backspace,
            '~' => Key::Negate,
            _ => return None,
        };
        Some(key)
    }

    /// The ASCII form [`Key::from_char`] reads. A `Digit` above 9 is not a key and gives '?'.
    pub fn to_char(self) -> char {
        match self {
            Key::Digit(digit) => char::from_digit(u32::from(digit), 10).unwrap_or('?'),
            Key::Point => '.',
            Key::Add => '+',
            Key::Subtract => '-',
            Key::Multiply => '*',
            Key::Divide => '/',
            Key::Percent => '%',
            Key::Negate => '~',
            Key::Equals => '=',
            Key::Clear => 'C',
            Key::Backspace => '<',
        }
    }
}

/// Parses a key string such as "12+30=" (whitespace ignored). An unknown character gives
/// Error::InvalidInput { field: "keys", reason } naming the character and its position; more than 10_000 keys is refused the same way (check the length first).
///
/// Positions count characters from 1, whitespace included, so they match what the person typed.
pub fn parse_keys(text: &str) -> Result<Vec<Key>> {
    // Counting stops just past the limit so a huge string is refused without being walked twice.
    let key_count = text
        .chars()
        .filter(|character| !character.is_whitespace())
        .take(MAX_KEYS + 1)
        .count();
    if key_count > MAX_KEYS {
        return Err(Error::invalid("keys", format!("at most {MAX_KEYS} keys at a time")));
    }
    let mut keys = Vec::with_capacity(key_count);
    for (index, character) in text.chars().enumerate() {
        if character.is_whitespace() {
            continue;
        }
        match Key::from_char(character) {
            Some(key) => keys.push(key),
            None => {
                return Err(Error::invalid(
                    "keys",
                    format!(
                        "unknown key {character:?} at position {}; the keys are 0-9 . + - * / % = C < ~",
                        index + 1
                    ),
                ))
            }
        }
    }
    Ok(keys)
}

/// What the clear key shows, like the iPhone: "C" while an entry can be cleared on its own, "AC"
/// when pressing it clears everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearLabel {
    AllClear,
    Clear,
}

impl ClearLabel {
    /// The text on the key: "AC" or "C".
    pub fn text(self) -> &'static str {
        match self {
            ClearLabel::AllClear => "AC",
            ClearLabel::Clear => "C",
        }
    }
}

/// How numbers are written on the display, following the phone's region settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    pub decimal_separator: char,
    /// Put between groups of three integer digits; `None` writes the digits without grouping.
    pub grouping_separator: Option<char>,
}

impl Default for NumberFormat {
    /// '.' and ',', as the iPhone shows numbers in English.
    fn default() -> Self {
        NumberFormat {
            decimal_separator: '.',
            grouping_separator: Some(','),
        }
    }
}

/// The four arithmetic operations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl Operation {
    fn from_key(key: Key) -> Option<Operation> {
        match key {
            Key::Add => Some(Operation::Add),
            Key::Subtract => Some(Operation::Subtract),
            Key::Multiply => Some(Operation::Multiply),
            Key::Divide => Some(Operation::Divide),
            _ => None,
        }
    }

    /// Multiplication and division are evaluated before addition and subtraction.
    fn binds_tighter(self) -> bool {
        matches!(self, Operation::Multiply | Operation::Divide)
    }

    /// `None` for division by zero and for results beyond what `Decimal` holds; both show "Error".
    fn apply(self, left: Decimal, right: Decimal) -> Option<Decimal> {
        let result = match self {
            Operation::Add => left.checked_add(right),
            Operation::Subtract => left.checked_sub(right),
            Operation::Multiply => left.checked_mul(right),
            Operation::Divide => left.checked_div(right),
        }?;
        Some(without_negative_zero(result))
    }
}

/// A left operand waiting for its right operand.
#[derive(Clone, Copy)]
struct PendingOperation {
    left: Decimal,
    operation: Operation,
}

/// The unfinished expression. With two precedence levels at most one operation of each level can
/// be waiting: `a + b ×` keeps `a +` and `b ×`.
#[derive(Clone, Copy, Default)]
struct PendingExpression {
    additive: Option<PendingOperation>,
    multiplicative: Option<PendingOperation>,
}

impl PendingExpression {
    fn is_empty(&self) -> bool {
        self.additive.is_none() && self.multiplicative.is_none()
    }

    /// The operation the next operand belongs to first: the one that binds tighter.
    fn innermost(&self) -> Option<PendingOperation> {
        self.multiplicative.or(self.additive)
    }

    /// Completes the whole expression with `operand` as its last number.
    fn evaluate(&self, operand: Decimal) -> Option<Decimal> {
        let mut value = operand;
        if let Some(pending) = self.multiplicative {
            value = pending.operation.apply(pending.left, value)?;
        }
        if let Some(pending) = self.additive {
            value = pending.operation.apply(pending.left, value)?;
        }
        Some(value)
    }

    /// Adds `operand` and the operator just pressed, evaluating whatever precedence allows.
    /// Returns the new expression and the value evaluated so far, which the display shows.
    fn push(&self, operand: Decimal, operation: Operation) -> Option<(PendingExpression, Decimal)> {
        if operation.binds_tighter() {
            // `a + b × c ×`: only `b × c` can be evaluated; `a +` still waits.
            let left = match self.multiplicative {
                Some(pending) => pending.operation.apply(pending.left, operand)?,
                None => operand,
            };
            let expression = PendingExpression {
                additive: self.additive,
                multiplicative: Some(PendingOperation { left, operation }),
            };
            Some((expression, left))
        } else {
            // A + or − ends every operation before it.
            let left = self.evaluate(operand)?;
            let expression = PendingExpression {
                additive: Some(PendingOperation { left, operation }),
                multiplicative: None,
            };
            Some((expression, left))
        }
    }
}

/// A number being typed, kept as typed so "1.50" shows its trailing zero.
struct Entry {
    negative: bool,
    /// ASCII digits and at most one '.'; empty means 0. Never starts with '.' (a point typed first
    /// is stored as "0.") nor with a "0" followed by a digit. Zeroized because it can hold the
    /// first digits of something secret.
    text: Zeroizing<String>,
}

impl Entry {
    fn new() -> Entry {
        Entry {
            negative: false,
            text: Zeroizing::new(String::with_capacity(MAX_ENTRY_DIGITS + 2)),
        }
    }

    /// Digits counted against the nine-digit limit. The "0" of "0.5" is not counted, so an entry
    /// can hold as many digits after the point as a result such as 0.333333333 shows.
    fn counted_digits(&self) -> usize {
        let digits = self.text.chars().filter(char::is_ascii_digit).count();
        if self.text.starts_with("0.") {
            digits - 1
        } else {
            digits
        }
    }

    fn push_digit(&mut self, digit: char) {
        if self.text.as_str() == "0" {
            // A leading zero is replaced, as "07" shows "7".
            self.text.zeroize();
        }
        if self.counted_digits() >= MAX_ENTRY_DIGITS {
            return;
        }
        self.text.push(digit);
    }

    fn push_point(&mut self) {
        // A point after nine digits could never be followed by a digit, so it is ignored too.
        if self.text.contains('.') || self.counted_digits() >= MAX_ENTRY_DIGITS {
            return;
        }
        if self.text.is_empty() {
            self.text.push('0');
        }
        self.text.push('.');
    }

    fn remove_last_character(&mut self) {
        self.text.pop();
        if self.text.is_empty() {
            // Deleting everything leaves a plain "0", not "-0".
            self.negative = false;
        }
    }

    /// `None` never happens for the texts `Entry` builds (at most ten characters), but the
    /// conversion is checked rather than trusted.
    fn value(&self) -> Option<Decimal> {
        let mut mantissa: i64 = 0;
        let mut scale: u32 = 0;
        let mut after_point = false;
        for character in self.text.chars() {
            if character == '.' {
                after_point = true;
                continue;
            }
            let digit = i64::from(character.to_digit(10)?);
            mantissa = mantissa.checked_mul(10)?.checked_add(digit)?;
            if after_point {
                scale += 1;
            }
        }
        let magnitude = Decimal::try_from_i128_with_scale(i128::from(mantissa), scale).ok()?;
        Some(if self.negative {
            without_negative_zero(-magnitude)
        } else {
            magnitude
        })
    }

    fn render(&self, format: &NumberFormat) -> String {
        let mut shown = String::with_capacity(16);
        if self.negative {
            shown.push('-');
        }
        if self.text.is_empty() {
            shown.push('0');
            return shown;
        }
        let (integer_digits, fraction) = match self.text.split_once('.') {
            Some((integer_digits, fraction)) => (integer_digits, Some(fraction)),
            None => (self.text.as_str(), None),
        };
        shown.push_str(&grouped(integer_digits, format.grouping_separator));
        if let Some(fraction) = fraction {
            shown.push(format.decimal_separator);
            shown.push_str(fraction);
        }
        shown
    }
}

/// What the number on the display is, which decides what the next key does to it.
enum Operand {
    /// Nothing typed since start, AC or C: the display shows 0, which is the operand.
    Cleared,
    /// A number being typed.
    Typing(Entry),
    /// A number made from the entry by percent or sign change: it is the operand, but digits
    /// start a new entry instead of extending it.
    Computed(Decimal),
    /// An operator was just pressed. The display shows the value evaluated so far; `before` and
    /// `operand_before` are the state the operator was applied to, so that the next operator
    /// replaces it instead of being applied on top.
    AfterOperator {
        shown: Decimal,
        before: PendingExpression,
        operand_before: Decimal,
    },
    /// The result of "=". An operator continues from it; a digit starts a new entry.
    Result(Decimal),
}

/// The last operation "=" completed and its right operand, which a further "=" repeats.
#[derive(Clone, Copy)]
struct RepeatedOperation {
    operation: Operation,
    right: Decimal,
}

/// The calculator's state. No `Debug`: the entry and the typed-digit buffer can hold a secret.
pub struct Calculator {
    format: NumberFormat,
    pending: PendingExpression,
    operand: Operand,
    repeat: Option<RepeatedOperation>,
    showing_error: bool,
    /// Every digit of the current entry as typed, including leading zeros and digits past what the
    /// display shows, while the entry is bare (see [`Calculator::bare_digits`]).
    typed_digits: Zeroizing<String>,
    entry_is_bare: bool,
}

impl Default for Calculator {
    fn default() -> Self {
        Calculator::new()
    }
}

impl Calculator {
    /// A calculator showing "0", writing numbers as the iPhone does in English.
    pub fn new() -> Self {
        Calculator::with_format(NumberFormat::default())
    }

    pub fn with_format(format: NumberFormat) -> Self {
        Calculator {
            format,
            pending: PendingExpression::default(),
            operand: Operand::Cleared,
            repeat: None,
            showing_error: false,
            // Allocated once at full size so that pushing digits never reallocates and leaves a
            // copy behind in freed memory.
            typed_digits: Zeroizing::new(String::with_capacity(MAX_REMEMBERED_DIGITS)),
            entry_is_bare: false,
        }
    }

    /// Applies the key and returns the display text.
    pub fn press(&mut self, key: Key) -> String {
        match key {
            Key::Digit(digit) => self.press_digit(digit),
            Key::Point => self.press_point(),
            Key::Add | Key::Subtract | Key::Multiply | Key::Divide => {
                if let Some(operation) = Operation::from_key(key) {
                    self.press_operation(operation);
                }
            }
            Key::Percent => self.press_percent(),
            Key::Negate => self.press_negate(),
            Key::Equals => self.press_equals(),
            Key::Clear => self.press_clear(),
            Key::Backspace => self.press_backspace(),
        }
        self.display()
    }

    /// The text on the display.
    pub fn display(&self) -> String {
        if self.showing_error {
            return ERROR_TEXT.to_string();
        }
        match &self.operand {
            Operand::Cleared => format_value(Decimal::ZERO, &self.format),
            Operand::Typing(entry) => entry.render(&self.format),
            Operand::Computed(value) | Operand::Result(value) | Operand::AfterOperator { shown: value, .. } => {
                format_value(*value, &self.format)
            }
        }
    }

    /// "C" while there is an entry (typed, or made by percent or sign change) that can be cleared
    /// on its own; "AC" otherwise.
    pub fn clear_label(&self) -> ClearLabel {
        match (&self.operand, self.showing_error) {
            (Operand::Typing(_) | Operand::Computed(_), false) => ClearLabel::Clear,
            _ => ClearLabel::AllClear,
        }
    }

    /// If the whole pending expression is one bare number typed with digit keys only (no operator pending, no previous operand, no point, no sign change, no percent, i.e. typed fresh after start, AC, a finished "=" result or Error), the digits as typed (leading zeros kept, backspaces applied), else None. The disguise reads this just BEFORE forwarding an Equals press, to decide whether it is a PIN attempt.
    ///
    /// Up to 32 digits are kept although the display shows nine; a longer entry gives `None`, as
    /// does an entry whose digits were all deleted.
    pub fn bare_digits(&self) -> Option<&str> {
        let typing = matches!(self.operand, Operand::Typing(_));
        if typing && self.entry_is_bare && !self.typed_digits.is_empty() {
            Some(self.typed_digits.as_str())
        } else {
            None
        }
    }

    fn press_digit(&mut self, digit: u8) {
        let Some(digit_character) = char::from_digit(u32::from(digit), 10) else {
            return;
        };
        if self.showing_error {
            self.clear_all();
        }
        if !matches!(self.operand, Operand::Typing(_)) {
            self.start_entry();
        }
        if self.entry_is_bare {
            if self.typed_digits.len() < MAX_REMEMBERED_DIGITS {
                self.typed_digits.push(digit_character);
            } else {
                // Too long to report faithfully: reporting a truncated number would be wrong.
                self.forget_typed_digits();
            }
        }
        if let Operand::Typing(entry) = &mut self.operand {
            entry.push_digit(digit_character);
        }
    }

    fn press_point(&mut self) {
        // The iPhone treats a point after "Error" like a digit: it starts a fresh "0.".
        if self.showing_error {
            self.clear_all();
        }
        if !matches!(self.operand, Operand::Typing(_)) {
            self.start_entry();
        }
        self.forget_typed_digits();
        if let Operand::Typing(entry) = &mut self.operand {
            entry.push_point();
        }
    }

    fn press_operation(&mut self, operation: Operation) {
        if self.showing_error {
            return;
        }
        let (before, operand) = match &self.operand {
            // An operator right after another replaces it: start again from the state the first
            // one was applied to.
            Operand::AfterOperator {
                before, operand_before, ..
            } => (*before, *operand_before),
            _ => match self.operand_value() {
                Some(operand) => (self.pending, operand),
                None => return self.fail(),
            },
        };
        match before.push(operand, operation) {
            Some((pending, shown)) => {
                self.pending = pending;
                self.operand = Operand::AfterOperator {
                    shown,
                    before,
                    operand_before: operand,
                };
                self.forget_typed_digits();
            }
            None => self.fail(),
        }
    }

    fn press_equals(&mut self) {
        if self.showing_error {
            return;
        }
        let Some(operand) = self.operand_value() else {
            return self.fail();
        };
        let result = match self.pending.innermost() {
            Some(innermost) => {
                // A further "=" repeats the operation the operand completed: `2 + 3 × 4 = =`
                // repeats × 4, as the iPhone does.
                self.repeat = Some(RepeatedOperation {
                    operation: innermost.operation,
                    right: operand,
                });
                self.pending.evaluate(operand)
            }
            None => match self.repeat {
                Some(repeat) => repeat.operation.apply(operand, repeat.right),
                None => Some(operand),
            },
        };
        match result {
            Some(value) => {
                self.pending = PendingExpression::default();
                self.operand = Operand::Result(value);
                self.forget_typed_digits();
            }
            None => self.fail(),
        }
    }

    fn press_percent(&mut self) {
        if self.showing_error {
            return;
        }
        let Some(operand) = self.operand_value() else {
            return self.fail();
        };
        let hundredth = operand.checked_div(Decimal::ONE_HUNDRED);
        // After `a +` or `a −` the entry is a percentage of `a` (50 + 10% adds 5); after × or ÷,
        // or with nothing pending, it is a plain hundredth.
        let percentage = match (self.pending.multiplicative, self.pending.additive) {
            (None, Some(additive)) => hundredth.and_then(|hundredth| additive.left.checked_mul(hundredth)),
            _ => hundredth,
        };
        let Some(percentage) = percentage.map(without_negative_zero) else {
            return self.fail();
        };
        self.operand = match self.operand {
            Operand::Result(_) => Operand::Result(percentage),
            _ => Operand::Computed(percentage),
        };
        self.forget_typed_digits();
    }

    fn press_negate(&mut self) {
        if self.showing_error {
            return;
        }
        match &mut self.operand {
            Operand::Typing(entry) => entry.negative = !entry.negative,
            Operand::Computed(value) => *value = without_negative_zero(-*value),
            Operand::Result(value) if !value.is_zero() => *value = -*value,
            // On an empty entry (start, after an operator, a zero result) the iPhone shows "-0"
            // and the digits typed next make a negative number.
            Operand::Cleared | Operand::AfterOperator { .. } | Operand::Result(_) => {
                self.start_entry();
                if let Operand::Typing(entry) = &mut self.operand {
                    entry.negative = true;
                }
            }
        }
        self.forget_typed_digits();
    }

    fn press_clear(&mut self) {
        if self.clear_label() == ClearLabel::Clear {
            // "C" clears only the entry; the pending operation and the repeat memory stay.
            self.operand = Operand::Cleared;
            self.forget_typed_digits();
        } else {
            self.clear_all();
        }
    }

    fn press_backspace(&mut self) {
        // Only an entry being typed can lose a character; results and operators are untouched.
        if let Operand::Typing(entry) = &mut self.operand {
            entry.remove_last_character();
            if self.entry_is_bare {
                self.typed_digits.pop();
            }
        }
    }

    /// The number the next operator, "=" or "%" works on.
    fn operand_value(&self) -> Option<Decimal> {
        match &self.operand {
            Operand::Cleared => Some(Decimal::ZERO),
            Operand::Typing(entry) => entry.value(),
            Operand::Computed(value) | Operand::Result(value) | Operand::AfterOperator { shown: value, .. } => {
                Some(*value)
            }
        }
    }

    /// Begins a new entry. It can be bare only when no operation waits for it.
    fn start_entry(&mut self) {
        self.typed_digits.zeroize();
        self.entry_is_bare = self.pending.is_empty();
        self.operand = Operand::Typing(Entry::new());
    }

    /// The entry is over or is no longer a bare run of digits: wipe what was remembered.
    fn forget_typed_digits(&mut self) {
        self.typed_digits.zeroize();
        self.entry_is_bare = false;
    }

    /// "AC": back to the state of a new calculator, repeat memory included.
    fn clear_all(&mut self) {
        self.pending = PendingExpression::default();
        self.operand = Operand::Cleared;
        self.repeat = None;
        self.showing_error = false;
        self.forget_typed_digits();
    }

    /// Division by zero or overflow: show "Error" until a digit, point or clear.
    fn fail(&mut self) {
        self.clear_all();
        self.showing_error = true;
    }
}

/// `Decimal` can carry a negative zero; the display never shows one for a computed value.
fn without_negative_zero(value: Decimal) -> Decimal {
    if value.is_zero() {
        Decimal::ZERO
    } else {
        value
    }
}

/// Writes a computed value the way the iPhone shows results: at most nine digits, rounded half
/// away from zero, trailing zeros trimmed, grouped; scientific notation when the integer part needs
/// more than nine digits or the magnitude is below 10^-8.
///
/// The nine digits do not count the "0" before the point, so 1/3 shows 0.333333333.
fn format_value(value: Decimal, format: &NumberFormat) -> String {
    if value.is_zero() {
        return "0".to_string();
    }
    let magnitude = value.abs();
    let written = if magnitude < SMALLEST_FIXED_SMALL {
        scientific(magnitude, format)
    } else {
        let (_, exponent) = significant_digits(magnitude);
        let integer_digit_count = usize::try_from(exponent + 1).unwrap_or(0);
        if integer_digit_count > MAX_RESULT_DIGITS {
            scientific(magnitude, format)
        } else {
            let decimal_places = (MAX_RESULT_DIGITS - integer_digit_count) as u32;
            let rounded = magnitude
                .round_dp_with_strategy(decimal_places, RoundingStrategy::MidpointAwayFromZero)
                .normalize();
            // Rounding can carry into a tenth integer digit (999999999.5 becomes 1e9).
            if rounded >= SMALLEST_SCIENTIFIC_LARGE {
                scientific(magnitude, format)
            } else {
                fixed(rounded, format)
            }
        }
    };
    if value.is_sign_negative() {
        format!("-{written}")
    } else {
        written
    }
}

/// The significant digits of a nonzero magnitude without trailing zeros, and the power of ten of
/// its first digit: 1234.5 gives ("12345", 3), 0.0025 gives ("25", -3).
fn significant_digits(magnitude: Decimal) -> (String, i32) {
    let all_digits = magnitude.mantissa().unsigned_abs().to_string();
    // At most 29 digits and a scale of at most 28, so these conversions cannot fail.
    let digit_count = i32::try_from(all_digits.len()).unwrap_or(i32::MAX);
    let scale = i32::try_from(magnitude.scale()).unwrap_or(0);
    let exponent = digit_count - 1 - scale;
    let trimmed = all_digits.trim_end_matches('0');
    (trimmed.to_string(), exponent)
}

/// A rounded magnitude below 10^9 in plain notation: "1,234.5", "0.00000001".
fn fixed(rounded: Decimal, format: &NumberFormat) -> String {
    let all_digits = rounded.mantissa().unsigned_abs().to_string();
    let scale = rounded.scale() as usize;
    // Pad so there is at least one digit before the point: 0.05 has mantissa 5 and scale 2.
    let padded = if all_digits.len() <= scale {
        format!("{}{all_digits}", "0".repeat(scale + 1 - all_digits.len()))
    } else {
        all_digits
    };
    let (integer_digits, fraction) = padded.split_at(padded.len() - scale);
    let mut written = grouped(integer_digits, format.grouping_separator);
    if !fraction.is_empty() {
        written.push(format.decimal_separator);
        written.push_str(fraction);
    }
    written
}

/// Scientific notation as the iPhone writes it: "1e9", "1.234568e11", "2.5e-10". The mantissa
/// keeps as many significant digits as fit so that its digits and the exponent's digits together
/// are at most nine.
fn scientific(magnitude: Decimal, format: &NumberFormat) -> String {
    let (digits, exponent) = significant_digits(magnitude);
    let exponent_digit_count = exponent.unsigned_abs().to_string().len();
    let kept_digit_count = MAX_RESULT_DIGITS.saturating_sub(exponent_digit_count).max(1);
    let (rounded_digits, carried) = round_digits(&digits, kept_digit_count);
    let exponent = if carried { exponent + 1 } else { exponent };
    let rounded_digits = rounded_digits.trim_end_matches('0');
    let (first_digit, other_digits) = rounded_digits.split_at(rounded_digits.len().min(1));
    let mut written = if first_digit.is_empty() {
        "0".to_string()
    } else {
        first_digit.to_string()
    };
    if !other_digits.is_empty() {
        written.push(format.decimal_separator);
        written.push_str(other_digits);
    }
    written.push('e');
    written.push_str(&exponent.to_string());
    written
}

/// Rounds a string of significant digits to `kept` digits, half away from zero (the digits are a
/// magnitude, so half up). Returns the digits and whether the rounding carried into a new leading
/// digit (99.9 kept to 2 digits is "100", one power of ten more).
fn round_digits(digits: &str, kept: usize) -> (String, bool) {
    let bytes = digits.as_bytes();
    if bytes.len() <= kept {
        return (digits.to_string(), false);
    }
    let mut rounded = bytes[..kept].to_vec();
    if bytes[kept] < b'5' {
        return (String::from_utf8_lossy(&rounded).into_owned(), false);
    }
    let mut carried = true;
    for digit in rounded.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            carried = false;
            break;
        }
    }
    if carried {
        rounded.insert(0, b'1');
    }
    (String::from_utf8_lossy(&rounded).into_owned(), carried)
}

/// Puts the grouping separator between groups of three digits, counted from the right.
fn grouped(integer_digits: &str, separator: Option<char>) -> String {
    let Some(separator) = separator else {
        return integer_digits.to_string();
    };
    let digit_count = integer_digits.chars().count();
    let mut written = String::with_capacity(digit_count + digit_count / 3);
    for (index, digit) in integer_digits.chars().enumerate() {
        if index > 0 && (digit_count - index).is_multiple_of(3) {
            written.push(separator);
        }
        written.push(digit);
    }
    written
}

/// The reference table: key sequences (in [`parse_keys`] form) and the display an iPhone
/// calculator shows after the last key. The CLI's tests check that `corridor calc --keys` agrees
/// with every row.
pub const REFERENCE_SEQUENCES: &[(&str, &str)] = &[
    // Entry
    ("", "0"),
    ("7", "7"),
    ("0", "0"),
    ("007", "7"),
    ("1234567", "1,234,567"),
    ("123456789", "123,456,789"),
    ("1234567890", "123,456,789"),
    ("12345678901234", "123,456,789"),
    ("1.5", "1.5"),
    ("1.50", "1.50"),
    ("1.500", "1.500"),
    (".", "0."),
    (".5", "0.5"),
    ("00.5", "0.5"),
    ("1..5", "1.5"),
    ("1.2.3", "1.23"),
    ("0.123456789", "0.123456789"),
    ("0.1234567891", "0.123456789"),
    ("12345678.9", "12,345,678.9"),
    ("123456789.5", "123,456,789"),
    ("1234.5", "1,234.5"),
    ("1.50=", "1.5"),
    // Operators and precedence
    ("2+3=", "5"),
    ("2+3*4=", "14"),
    ("2*3+4=", "10"),
    ("2+3+", "5"),
    ("2+3*", "3"),
    ("2+3*4+", "14"),
    ("2*3+", "6"),
    ("2*3*", "6"),
    ("10-4-3=", "3"),
    ("2-3*4=", "-10"),
    ("8/2/2=", "2"),
    ("1+2*3-4/2=", "5"),
    ("2+3*4-5=", "9"),
    ("6/3*2=", "4"),
    ("2*3+4*5=", "26"),
    ("2+3*4*5=", "62"),
    ("100-1=", "99"),
    ("3-5=", "-2"),
    ("2+=", "4"),
    ("2+3*=", "11"),
    ("9-=", "0"),
    // An operator right after another replaces it
    ("2+*3=", "6"),
    ("2*+3=", "5"),
    ("2+-3=", "-1"),
    ("5-+*/2=", "2.5"),
    ("2+3*+", "5"),
    ("2+3*+4=", "9"),
    ("2+3*4+*5=", "62"),
    ("2*3+*4=", "24"),
    // Equals, repeated equals, continuing from a result
    ("2+3==", "8"),
    ("2+3===", "11"),
    ("10-2==", "6"),
    ("2*3==", "18"),
    ("8/2==", "2"),
    ("2+3*4==", "56"),
    ("2*3+4==", "14"),
    ("10*=", "100"),
    ("10*==", "1,000"),
    ("2+3=*2=", "10"),
    ("2+3=*2==", "20"),
    ("2+3=7=", "10"),
    ("5=", "5"),
    ("5==", "5"),
    ("=", "0"),
    ("2+3=4", "4"),
    ("2+3=+", "5"),
    ("2+3=+1=", "6"),
    // Exact decimal arithmetic and rounding to nine digits
    ("0.1+0.2=", "0.3"),
    ("0.1*3=", "0.3"),
    ("1-0.9=", "0.1"),
    ("10/4=", "2.5"),
    ("1/8=", "0.125"),
    ("1/3=", "0.333333333"),
    ("2/3=", "0.666666667"),
    ("1/3*3=", "1"),
    ("1/3=*3=", "1"),
    ("2/3*3=", "2"),
    ("1/7=", "0.142857143"),
    ("100/7=", "14.2857143"),
    ("1000000/7=", "142,857.143"),
    ("0.123456789*10=", "1.23456789"),
    ("1234567.89+0.005=", "1,234,567.9"),
    ("1/16/1000000=", "0.000000063"),
    ("0-1/16/1000000=", "-0.000000063"),
    ("123456789+1=", "123,456,790"),
    ("123456.789*1000=", "123,456,789"),
    ("12345*10000=", "123,450,000"),
    ("0.5*0.5=", "0.25"),
    // Percent
    ("5%", "0.05"),
    ("5%%", "0.0005"),
    ("%", "0"),
    ("50+10%", "5"),
    ("50+10%=", "55"),
    ("50+10%==", "60"),
    ("200-10%=", "180"),
    ("200-10%+", "180"),
    ("50*10%=", "5"),
    ("50/10%=", "500"),
    ("50+%", "25"),
    ("50+%=", "75"),
    ("2+3*10%=", "2.3"),
    ("2+3=%", "0.05"),
    ("50%+1=", "1.5"),
    // Sign change and negative numbers
    ("3~", "-3"),
    ("3~~", "3"),
    ("3~+5=", "2"),
    ("~", "-0"),
    ("~5", "-5"),
    ("~.5", "-0.5"),
    ("5+~", "-0"),
    ("5+~3=", "2"),
    ("2+3=~", "-5"),
    ("2+3=~+1=", "-4"),
    ("2-2=~", "-0"),
    ("1234~", "-1,234"),
    ("5-8=", "-3"),
    ("5-8=*2=", "-6"),
    ("12~*3=", "-36"),
    ("5~%", "-0.05"),
    // Backspace
    ("12<3=", "13"),
    ("12<", "1"),
    ("1<", "0"),
    ("1<<", "0"),
    ("<", "0"),
    ("3~<", "0"),
    ("1.5<", "1."),
    ("1.5<<", "1"),
    ("1234567890<", "12,345,678"),
    ("2+3=<", "5"),
    ("2+<", "2"),
    ("2+3<4=", "6"),
    // C clears the entry, AC clears everything
    ("123C", "0"),
    ("2+5C", "0"),
    ("2+5C3=", "5"),
    ("2+5CC3=", "3"),
    ("2+C", "0"),
    ("2+C3=", "3"),
    ("2*3+5C=", "6"),
    ("2+3=C", "0"),
    ("2+3=C=", "0"),
    ("2+3=12C=", "3"),
    // Error
    ("1/0", "0"),
    ("1/0=", "Error"),
    ("0/0=", "Error"),
    ("5/0+", "Error"),
    ("1/0==", "Error"),
    ("1/0=+", "Error"),
    ("1/0=%", "Error"),
    ("1/0=~", "Error"),
    ("1/0=<", "Error"),
    ("1/0=5", "5"),
    ("1/0=.", "0."),
    ("1/0=C", "0"),
    ("1/0=5+2=", "7"),
    ("1000000*1000000*1000000*1000000*1000000=", "Error"),
    // Scientific notation
    ("999999999+1=", "1e9"),
    ("10000000*100=", "1e9"),
    ("100000*100000=", "1e10"),
    ("999999999*10=", "1e10"),
    ("0-999999999*10=", "-1e10"),
    ("123456789*1000=", "1.234568e11"),
    ("123456789*9=", "1.1111111e9"),
    ("99999*99999=", "9.9998e9"),
    ("999999999*999999999=", "1e18"),
    ("0.00000001=", "0.00000001"),
    ("0.00000001/10=", "1e-9"),
    ("0.00000001/2=", "5e-9"),
    ("0.000000025/100=", "2.5e-10"),
    ("0.000000025/100=~", "-2.5e-10"),
    ("1/3/100000000=", "3.3333333e-9"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Presses every key of `keys` on a new calculator; checks that each press returns what
    /// `display` then shows.
    fn run_with(keys: &str, format: NumberFormat) -> Calculator {
        let mut calculator = Calculator::with_format(format);
        for key in parse_keys(keys).unwrap() {
            let returned = calculator.press(key);
            assert_eq!(returned, calculator.display(), "press and display disagree in {keys:?}");
        }
        calculator
    }

    fn run(keys: &str) -> Calculator {
        run_with(keys, NumberFormat::default())
    }

    #[test]
    fn the_reference_table_is_large_and_has_no_duplicate_sequences() {
        assert!(REFERENCE_SEQUENCES.len() >= 120, "{} rows", REFERENCE_SEQUENCES.len());
        let mut sequences: Vec<&str> = REFERENCE_SEQUENCES.iter().map(|(keys, _)| *keys).collect();
        sequences.sort_unstable();
        let count = sequences.len();
        sequences.dedup();
        assert_eq!(sequences.len(), count, "a sequence appears twice");
    }

    #[test]
    fn every_reference_sequence_shows_its_expected_display() {
        let mut failures = Vec::new();
        for (keys, expected) in REFERENCE_SEQUENCES {
            let shown = run(keys).display();
            if shown != *expected {
                failures.push(format!("{keys:?}: expected {expected:?}, shown {shown:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Key sequences and the display after each key.
    const INTERMEDIATE_DISPLAYS: &[(&str, &[&str])] = &[
        ("2+3*4+5=", &["2", "2", "3", "3", "4", "14", "5", "19"]),
        ("50+10%=", &["5", "50", "50", "1", "10", "5", "55"]),
        ("1.50<0=", &["1", "1.", "1.5", "1.50", "1.5", "1.50", "1.5"]),
        ("3~+5==", &["3", "-3", "-3", "5", "2", "7"]),
        ("2+5C3=", &["2", "2", "5", "0", "3", "5"]),
        ("~12", &["-0", "-1", "-12"]),
        ("1/0=7", &["1", "1", "0", "Error", "7"]),
        ("2+*3==", &["2", "2", "2", "3", "6", "18"]),
        (
            "999999999+1=",
            &[
                "9",
                "99",
                "999",
                "9,999",
                "99,999",
                "999,999",
                "9,999,999",
                "99,999,999",
                "999,999,999",
                "999,999,999",
                "1",
                "1e9",
            ],
        ),
    ];

    #[test]
    fn the_display_after_each_key_matches() {
        for (keys, expected) in INTERMEDIATE_DISPLAYS {
            let mut calculator = Calculator::new();
            let shown: Vec<String> = parse_keys(keys)
                .unwrap()
                .into_iter()
                .map(|key| calculator.press(key))
                .collect();
            assert_eq!(&shown, expected, "after each key of {keys:?}");
        }
    }

    #[test]
    fn a_new_calculator_shows_zero_and_all_clear() {
        let calculator = Calculator::default();
        assert_eq!(calculator.display(), "0");
        assert_eq!(calculator.clear_label(), ClearLabel::AllClear);
        assert_eq!(calculator.bare_digits(), None);
    }

    #[test]
    fn the_clear_label_is_c_only_while_there_is_an_entry() {
        let cases = [
            ("", ClearLabel::AllClear),
            ("5", ClearLabel::Clear),
            ("0", ClearLabel::Clear),
            (".", ClearLabel::Clear),
            ("5+", ClearLabel::AllClear),
            ("5+3", ClearLabel::Clear),
            ("5+3C", ClearLabel::AllClear),
            ("5+3=", ClearLabel::AllClear),
            ("~", ClearLabel::Clear),
            ("5%", ClearLabel::Clear),
            ("5~", ClearLabel::Clear),
            ("1/0=", ClearLabel::AllClear),
            ("1/0=C", ClearLabel::AllClear),
            ("5CC", ClearLabel::AllClear),
        ];
        for (keys, expected) in cases {
            assert_eq!(run(keys).clear_label(), expected, "after {keys:?}");
        }
        assert_eq!(ClearLabel::AllClear.text(), "AC");
        assert_eq!(ClearLabel::Clear.text(), "C");
    }

    #[test]
    fn bare_digits_reports_a_fresh_run_of_digits_only() {
        let cases: &[(&str, Option<&str>)] = &[
            ("482916", Some("482916")),
            ("012345", Some("012345")),
            ("0000", Some("0000")),
            ("4829167890123", Some("4829167890123")),
            ("12<3", Some("13")),
            ("2+3=482916", Some("482916")),
            ("2+3=C482916", Some("482916")),
            ("123C482916", Some("482916")),
            ("1/0=482916", Some("482916")),
            ("5%482916", Some("482916")),
            ("", None),
            ("1<", None),
            ("48.29", None),
            (".4829", None),
            ("2+482916", None),
            ("2+5C482916", None),
            ("482916~", None),
            ("~482916", None),
            ("4829~~16", None),
            ("482916%", None),
            ("482916=", None),
            ("482916+", None),
            ("2+3=", None),
        ];
        for (keys, expected) in cases {
            assert_eq!(run(keys).bare_digits(), *expected, "after {keys:?}");
        }
        let calculator = run("4829167890123");
        assert_eq!(calculator.display(), "482,916,789");
    }

    #[test]
    fn bare_digits_keeps_thirty_two_digits_and_refuses_more() {
        let thirty_two = "12345678901234567890123456789012";
        assert_eq!(run(thirty_two).bare_digits(), Some(thirty_two));
        assert_eq!(run(&format!("{thirty_two}3")).bare_digits(), None);
        assert_eq!(run(&format!("{thirty_two}3")).display(), "123,456,789");
    }

    #[test]
    fn bare_digits_is_forgotten_when_the_entry_ends() {
        let mut calculator = run("482916");
        calculator.press(Key::Equals);
        assert_eq!(calculator.bare_digits(), None);
        calculator.press(Key::Digit(7));
        assert_eq!(calculator.bare_digits(), Some("7"));
    }

    #[test]
    fn a_custom_number_format_is_used_for_entries_and_results() {
        let format = NumberFormat {
            decimal_separator: ',',
            grouping_separator: Some(' '),
        };
        let cases = [
            ("1234567.5", "1 234 567,5"),
            ("1234567", "1 234 567"),
            ("1.50", "1,50"),
            ("1/3=", "0,333333333"),
            ("1000000/7=", "142 857,143"),
            ("0.000000025/100=", "2,5e-10"),
            ("123456789*1000=", "1,234568e11"),
            ("1234~", "-1 234"),
        ];
        for (keys, expected) in cases {
            assert_eq!(run_with(keys, format.clone()).display(), expected, "after {keys:?}");
        }
        let without_grouping = NumberFormat {
            decimal_separator: '.',
            grouping_separator: None,
        };
        assert_eq!(run_with("1234567.5", without_grouping.clone()).display(), "1234567.5");
        assert_eq!(run_with("1000*1000=", without_grouping).display(), "1000000");
    }

    #[test]
    fn parse_keys_reads_every_key_and_ignores_whitespace() {
        assert_eq!(
            parse_keys(" 1 2+\t30=\n").unwrap(),
            vec![
                Key::Digit(1),
                Key::Digit(2),
                Key::Add,
                Key::Digit(3),
                Key::Digit(0),
                Key::Equals
            ]
        );
        assert_eq!(
            parse_keys("2×3÷4−1x2").unwrap(),
            vec![
                Key::Digit(2),
                Key::Multiply,
                Key::Digit(3),
                Key::Divide,
                Key::Digit(4),
                Key::Subtract,
                Key::Digit(1),
                Key::Multiply,
                Key::Digit(2)
            ]
        );
        assert_eq!(parse_keys("cC<~%.").unwrap().len(), 6);
        assert!(parse_keys("").unwrap().is_empty());
    }

    #[test]
    fn every_key_survives_a_round_trip_through_its_character() {
        let mut keys: Vec<Key> = (0..=9).map(Key::Digit).collect();
        keys.extend([
            Key::Point,
            Key::Add,
            Key::Subtract,
            Key::Multiply,
            Key::Divide,
            Key::Percent,
            Key::Negate,
            Key::Equals,
            Key::Clear,
            Key::Backspace,
        ]);
        for key in keys {
            assert!(key.to_char().is_ascii());
            assert_eq!(Key::from_char(key.to_char()), Some(key));
        }
        assert_eq!(Key::Digit(10).to_char(), '?');
        assert_eq!(Key::from_char('X'), None);
    }

    #[test]
    fn parse_keys_names_an_unknown_character_and_its_position() {
        match parse_keys("1 2q") {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "keys");
                assert!(reason.contains("'q'"), "{reason}");
                assert!(reason.contains("position 4"), "{reason}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
        assert!(matches!(
            parse_keys("12,5"),
            Err(Error::InvalidInput { field: "keys", .. })
        ));
    }

    #[test]
    fn parse_keys_refuses_more_than_ten_thousand_keys() {
        assert_eq!(parse_keys(&"1".repeat(MAX_KEYS)).unwrap().len(), MAX_KEYS);
        // Whitespace does not count as keys.
        assert_eq!(parse_keys(&"1 ".repeat(MAX_KEYS)).unwrap().len(), MAX_KEYS);
        // The length is checked before any character, so the unknown one is not what is reported.
        let too_long = format!("{}q", "1".repeat(MAX_KEYS + 1));
        match parse_keys(&too_long) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "keys");
                assert!(reason.contains("10000"), "{reason}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn digit_values_above_nine_are_ignored() {
        let mut calculator = run("12");
        assert_eq!(calculator.press(Key::Digit(10)), "12");
        assert_eq!(calculator.press(Key::Digit(255)), "12");
        assert_eq!(calculator.bare_digits(), Some("12"));
    }

    #[test]
    fn the_largest_and_smallest_values_do_not_panic() {
        let largest = format_value(Decimal::MAX, &NumberFormat::default());
        assert_eq!(largest, "7.922816e28");
        assert_eq!(format_value(Decimal::MIN, &NumberFormat::default()), "-7.922816e28");
        let smallest = Decimal::from_parts(1, 0, 0, false, 28);
        assert_eq!(format_value(smallest, &NumberFormat::default()), "1e-28");
        assert_eq!(format_value(-smallest, &NumberFormat::default()), "-1e-28");
    }

    #[test]
    fn rounding_carries_into_scientific_notation_when_needed() {
        let format = NumberFormat::default();
        let almost_a_billion = Decimal::try_from_i128_with_scale(9_999_999_995, 1).unwrap();
        assert_eq!(format_value(almost_a_billion, &format), "1e9");
        let almost_one = Decimal::try_from_i128_with_scale(9_999_999_999, 10).unwrap();
        assert_eq!(format_value(almost_one, &format), "1");
        assert_eq!(round_digits("995", 2), ("100".to_string(), true));
        assert_eq!(round_digits("994", 2), ("99".to_string(), false));
        assert_eq!(round_digits("12", 5), ("12".to_string(), false));
    }

    fn any_key() -> impl Strategy<Value = Key> {
        prop_oneof![
            8 => (0u8..=9).prop_map(Key::Digit),
            1 => any::<u8>().prop_map(Key::Digit),
            1 => Just(Key::Point),
            2 => Just(Key::Add),
            2 => Just(Key::Subtract),
            2 => Just(Key::Multiply),
            2 => Just(Key::Divide),
            1 => Just(Key::Percent),
            1 => Just(Key::Negate),
            2 => Just(Key::Equals),
            1 => Just(Key::Clear),
            1 => Just(Key::Backspace),
        ]
    }

    proptest! {
        #[test]
        fn any_key_sequence_never_panics_and_fits_the_display(keys in prop::collection::vec(any_key(), 0..=60)) {
            let mut calculator = Calculator::new();
            for key in keys {
                let shown = calculator.press(key);
                prop_assert!(shown.chars().count() <= 16, "display too long: {shown:?}");
                prop_assert_eq!(&shown, &calculator.display());
                if let Some(digits) = calculator.bare_digits() {
                    prop_assert!(!digits.is_empty() && digits.len() <= MAX_REMEMBERED_DIGITS);
                    prop_assert!(digits.bytes().all(|byte| byte.is_ascii_digit()));
                }
            }
        }

        #[test]
        fn multiplying_large_numbers_shows_scientific_notation_or_error(
            factors in prop::collection::vec(1u32..=999_999_999, 1..=6)
        ) {
            let mut calculator = Calculator::new();
            for (index, factor) in factors.iter().enumerate() {
                if index > 0 {
                    calculator.press(Key::Multiply);
                }
                for key in parse_keys(&factor.to_string()).unwrap() {
                    calculator.press(key);
                }
            }
            let shown = calculator.press(Key::Equals);
            prop_assert!(shown.chars().count() <= 16, "display too long: {shown:?}");
        }
    }
}
