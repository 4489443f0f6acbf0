//! Types shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// A user's role in their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    /// The stored form, as in the `users.role` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    /// How the role reads in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Member => "Member",
        }
    }
}

/// The signed-in user and their account, as the UI needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub is_admin: bool,
    pub account_id: String,
    pub account_name: String,
}

/// Who may do what with the account's purchases, one rule for every feature:
/// - any member may make a one-off purchase for the account: accept an upgrade offer (the B2B case: a
///   teammate upgrades the team) or send a gift;
/// - the account's subscriptions (a credit plan and its packs, top-ups, stopping) are the owner's alone;
/// - a purchase is changed or cancelled by the owner or by the member who made it, nobody else.
impl CurrentUser {
    /// May start or change the account's subscriptions (credit plans, packs, top-ups).
    pub fn may_manage_subscriptions(&self) -> bool {
        self.role == Role::Owner
    }

    /// May change or cancel a purchase made by `buyer` (a user id; `None` when not known here).
    pub fn may_manage_purchase(&self, buyer: Option<&str>) -> bool {
        self.role == Role::Owner || buyer == Some(self.id.as_str())
    }
}

/// Another member of the signed-in user's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// A demo user offered on the sign-in page when demo data is enabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLogin {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// Where to go after sign-in: only a path on this site, as a browser would resolve it, so a crafted link
/// cannot send a freshly signed-in user to another site.
#[cfg(feature = "ssr")]
pub fn safe_next_path(next: Option<&str>) -> String {
    next.and_then(growthkit_engine::safe_url::local_path).unwrap_or_else(|| "/app".into())
}

/// Checks the sign-in form before it is sent or used.
pub fn validate_credentials(email: &str, password: &str) -> Result<(), crate::error::AppError> {
    let email = email.trim();
    if email.is_empty() {
        return Err(crate::error::AppError::invalid("Enter your e-mail address."));
    }
    if email.len() > 254 || !email.contains('@') {
        return Err(crate::error::AppError::invalid("Enter a valid e-mail address."));
    }
    if password.is_empty() {
        return Err(crate::error::AppError::invalid("Enter your password."));
    }
    if password.len() > 1024 {
        return Err(crate::error::AppError::invalid("That password is too long."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn next_path_accepts_only_local_paths() {
        assert_eq!(safe_next_path(Some("/app/analytics")), "/app/analytics");
        assert_eq!(safe_next_path(Some("//evil.example/x")), "/app");
        assert_eq!(safe_next_path(Some("https://evil.example")), "/app");
        assert_eq!(safe_next_path(Some("/\\evil.example")), "/app");
        assert_eq!(safe_next_path(Some("/\t/evil.example")), "/app");
        assert_eq!(safe_next_path(Some("/x?u=http://a")), "/x?u=http://a");
        assert_eq!(safe_next_path(Some("/app\r\nSet-Cookie: x=1")), "/app");
        assert_eq!(safe_next_path(Some("/caf\u{e9}")), "/caf%C3%A9");
        assert_eq!(safe_next_path(None), "/app");
    }

    #[test]
    fn owners_manage_everything_members_their_own_purchases() {
        let user = |role| CurrentUser {
            id: "u_max".into(),
            email: "max@acme.test".into(),
            name: "Max".into(),
            role,
            is_admin: false,
            account_id: "acct".into(),
            account_name: "Acme".into(),
        };
        let (owner, member) = (user(Role::Owner), user(Role::Member));
        assert!(owner.may_manage_subscriptions() && !member.may_manage_subscriptions());
        assert!(owner.may_manage_purchase(Some("u_olivia")) && owner.may_manage_purchase(None));
        assert!(member.may_manage_purchase(Some("u_max")));
        assert!(!member.may_manage_purchase(Some("u_olivia")) && !member.may_manage_purchase(None));
    }

    #[test]
    fn credentials_are_checked_before_use() {
        assert!(validate_credentials("a@b.test", "pw").is_ok());
        assert!(validate_credentials("  ", "pw").is_err());
        assert!(validate_credentials("not-an-email", "pw").is_err());
        assert!(validate_credentials("a@b.test", "").is_err());
    }

    #[test]
    fn roles_round_trip_their_stored_form() {
        for role in [Role::Owner, Role::Member] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
