//! Appointment and medication reminders whose text reveals nothing.
pub mod schedule;
