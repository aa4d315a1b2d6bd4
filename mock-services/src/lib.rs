//! Mock Keystone, Barbican and Glance.
