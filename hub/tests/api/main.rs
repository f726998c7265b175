//! The hub's HTTP API end to end: a real hub on a loopback port in this process, driven by an
//! HTTP client (and raw sockets where a client library would tidy the request).

mod common;

mod accounts;
mod backups;
mod content;
mod crt;
mod idempotency;
mod privacy;
mod reports;
mod restart;
mod server;
mod sessions;
