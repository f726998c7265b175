//! The disguise: a working calculator that opens the app only with the PIN.
pub mod calculator;
