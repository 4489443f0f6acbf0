//! Demo data for a fresh database, so a first start shows every flow. Listed in the README.

use sqlx::SqlitePool;

use crate::auth::model::Role;
use crate::auth::password;
use crate::auth::repo::{self, NewUser};
use growthkit_clock::Timestamp;
use growthkit_engine::demo::{ACME_CUSTOMER, ACME_SUBSCRIPTION, BETA_CUSTOMER, BETA_SUBSCRIPTION};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "growthkit-demo";

/// A demo user: e-mail, name, role, studio access, account id.
pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub is_admin: bool,
    pub account: &'static str,
}

/// A demo account and, when it has one, the billing customer and subscription it is.
pub struct DemoAccount {
    pub id: &'static str,
    pub name: &'static str,
    pub billing: Option<(&'static str, &'static str)>,
}

/// Demo accounts. `acme` is the B2B workspace whose two members share one subscription.
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount { id: "acme", name: "Acme Analytics", billing: Some((ACME_CUSTOMER, ACME_SUBSCRIPTION)) },
    DemoAccount { id: "beta", name: "Beta Labs", billing: Some((BETA_CUSTOMER, BETA_SUBSCRIPTION)) },
    DemoAccount { id: "gina", name: "Gina's Household", billing: None },
    DemoAccount { id: "rita", name: "Rita's Place", billing: None },
    DemoAccount { id: "carl", name: "Carl's Studio", billing: None },
    DemoAccount { id: "growthkit", name: "Growthkit Product Team", billing: None },
];

/// Demo users, one line each in the README.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser { email: "owner@acme.test", name: "Olivia Owner", role: Role::Owner, is_admin: false, account: "acme" },
    DemoUser { email: "member@acme.test", name: "Max Member", role: Role::Member, is_admin: false, account: "acme" },
    DemoUser { email: "owner@beta.test", name: "Bea Baker", role: Role::Owner, is_admin: false, account: "beta" },
    DemoUser { email: "gifter@demo.test", name: "Gina Gifter", role: Role::Owner, is_admin: false, account: "gina" },
    DemoUser { email: "rita@demo.test", name: "Rita Recipient", role: Role::Owner, is_admin: false, account: "rita" },
    DemoUser { email: "credits@demo.test", name: "Carl Credits", role: Role::Owner, is_admin: false, account: "carl" },
    DemoUser {
        email: "studio@growthkit.test",
        name: "Pat Product",
        role: Role::Owner,
        is_admin: true,
        account: "growthkit",
    },
];

/// Seeds the demo accounts and users into an empty database, in one transaction. Does nothing when any
/// user exists, so restarts never duplicate or overwrite data.
pub async fn seed_if_empty(pool: &SqlitePool, now: Timestamp) -> Result<bool, DemoError> {
    if !repo::is_empty(pool).await? {
        return Ok(false);
    }
    // The demo users share a published password, so they can share one hash too: hashing once keeps the
    // first start fast.
    let hash = tokio::task::spawn_blocking(|| password::hash(DEMO_PASSWORD))
        .await
        .map_err(|e| DemoError::Hash(e.to_string()))?
        .map_err(|e| DemoError::Hash(e.to_string()))?;

    let mut tx = pool.begin().await?;
    for account in DEMO_ACCOUNTS {
        repo::insert_account(&mut tx, account.id, account.name, now).await?;
        if let Some((customer, subscription)) = account.billing {
            repo::set_billing_ids(&mut tx, account.id, customer, subscription).await?;
        }
    }
    for user in DEMO_USERS {
        let id = format!("usr_{}", user.email.split('@').next().unwrap_or(user.email).replace('.', "_"));
        let id = format!("{id}_{}", user.account);
        repo::insert_user(
            &mut tx,
            &NewUser {
                id: &id,
                account_id: user.account,
                email: user.email,
                name: user.name,
                password_hash: &hash,
                role: user.role,
                is_admin: user.is_admin,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("seeding demo data: {0}")]
    Db(#[from] sqlx::Error),
    #[error("hashing the demo password: {0}")]
    Hash(String),
}
