//! Server function behind the dashboard.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::auth::model::{CurrentUser, TeamMember};
use crate::error::AppError;

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub user: CurrentUser,
    pub team: Vec<TeamMember>,
    /// Where billing calls go (built-in engine or Chargebee).
    pub billing: String,
    /// Advanced Analytics: unlocked, or locked with the offer to show as a banner.
    pub analytics: crate::offers::model::Gate,
    /// The account's credit balance, when it has bought credits.
    pub credits: Option<i64>,
}

/// `GET /api/dashboard`: the signed-in user's dashboard.
#[server(prefix = "/api", endpoint = "dashboard", input = GetUrl)]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            let team = crate::auth::repo::team(&state.pool, &user.account_id).await?;
            let context = crate::request::request_context("/app");
            let analytics = crate::offers::service::gate(&state, &user, context).await?;
            let credits = crate::credits::repo::account(&state.pool, &user.account_id)
                .await
                .map_err(|e| AppError::internal("reading credits", e))?
                .filter(|a| a.subscription_id.is_some())
                .map(|a| a.balance);
            Ok(Dashboard { user, team, billing: state.billing.describe(), analytics, credits })
        }
        .await,
    )
}
