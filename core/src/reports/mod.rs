//! Discreet violence reporting: reports sealed on the phone so that only the Crisis Response Team can read them.

pub mod filing;
pub mod model;
pub mod seal;
pub mod team_key;
pub mod urgency;
