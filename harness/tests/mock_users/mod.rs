//! Clients of the mock cloud's users, for the tests that need two
//! identities.

use imgsig::openstack::{Client, ClientOptions, CloudConfig};
use imgsig_mock::MockCloud;

/// A client for `user` in the project of the same name: `admin`, or
/// `demo` (a `member` of its own project, the second identity).
pub async fn connect_as(cloud: &MockCloud, user: &str) -> Client {
    let credentials = cloud.credentials(user, user).expect("a mock user");
    let config = CloudConfig::from_vars(&credentials.env_vars()).expect("cloud config");
    Client::connect(&config, &ClientOptions::default())
        .await
        .expect("keystone")
}
