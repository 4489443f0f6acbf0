//! The hosted checkout page a `checkout` offer option sends the customer to (`/pages/v4/{id}/`, on the
//! billing site's own address, like Chargebee's hosted pages): the plan and its price, a card form that
//! posts back to the same address, and on success a redirect to the merchant's page. The card goes to
//! billing only.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::form::Form;
use crate::Engine;
use crate::hosted_pages::Checkout;
use growthkit_wire::ApiError;

pub(super) fn router<S: Clone + Send + Sync + 'static>(engine: Arc<Engine>) -> Router<S> {
    Router::new().route("/pages/v4/{id}/", get(show).post(pay)).with_state(engine)
}

async fn show(State(engine): State<Arc<Engine>>, Path(id): Path<String>) -> Response {
    match engine.open_hosted_page(&id).await {
        Ok(checkout) => page(StatusCode::OK, &checkout, None),
        Err(err) => missing(&err),
    }
}

async fn pay(State(engine): State<Arc<Engine>>, Path(id): Path<String>, bytes: Bytes) -> Response {
    let form = Form::parse(&bytes);
    let paid = match form.card() {
        Ok(card) => engine.pay_hosted_page(&id, card).await,
        Err(err) => Err(err),
    };
    match paid {
        Ok(paid) => match paid.return_to {
            Some(to) => (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response(),
            None => html(StatusCode::OK, "Payment received", "<h1>Payment received</h1><p>You can close this tab.</p>"),
        },
        Err(err) => match engine.open_hosted_page(&id).await {
            Ok(checkout) => {
                let status = StatusCode::from_u16(err.http_status_code).unwrap_or(StatusCode::BAD_REQUEST);
                page(status, &checkout, Some(&err.message))
            }
            Err(lookup) => missing(&lookup),
        },
    }
}

fn missing(err: &ApiError) -> Response {
    let status = StatusCode::from_u16(err.http_status_code).unwrap_or(StatusCode::NOT_FOUND);
    html(status, "Checkout not found", "<h1>Checkout not found</h1><p>This checkout link is not valid.</p>")
}

fn page(status: StatusCode, c: &Checkout, error: Option<&str>) -> Response {
    let amount = format!("{} {}.{:02}", c.currency, c.price / 100, c.price % 100);
    let plan = text(&c.plan_name);
    if !c.open {
        let body = if c.page.state == "succeeded" {
            format!("<h1>Already paid</h1><p>{plan} is paid for. You can close this tab.</p>")
        } else {
            "<h1>This checkout has expired</h1><p>Go back to the app and accept the offer again.</p>".to_owned()
        };
        return html(StatusCode::GONE, "Checkout", &body);
    }
    let alert = error.map(|m| format!(r#"<p class="error" role="alert">{}</p>"#, text(m))).unwrap_or_default();
    let action = attr(&c.page.url);
    let body = format!(
        r#"<h1>Upgrade to {plan}</h1>
<p class="price">{amount}, charged now</p>
{alert}
<form method="post" action="{action}" onsubmit="this.querySelector('button').disabled = true">
  <label for="number">Card number</label>
  <input id="number" name="card[number]" inputmode="numeric" autocomplete="cc-number" required maxlength="23">
  <div class="row">
    <div><label for="month">Expiry month</label>
      <input id="month" name="card[expiry_month]" inputmode="numeric" autocomplete="cc-exp-month" required maxlength="2" placeholder="MM"></div>
    <div><label for="year">Expiry year</label>
      <input id="year" name="card[expiry_year]" inputmode="numeric" autocomplete="cc-exp-year" required maxlength="4" placeholder="YYYY"></div>
    <div><label for="cvv">CVC</label>
      <input id="cvv" name="card[cvv]" inputmode="numeric" autocomplete="cc-csc" required maxlength="4"></div>
  </div>
  <button type="submit">Pay {amount}</button>
</form>"#
    );
    html(status, "Checkout", &body)
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let doc = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }}
label {{ display: block; margin-top: .75rem; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #888; border-radius: 6px; }}
.row {{ display: flex; gap: .75rem; }} .row > div {{ flex: 1; }}
button {{ margin-top: 1.25rem; width: 100%; padding: .8rem; font-size: 1rem; border: 0; border-radius: 6px; background: #1d4ed8; color: #fff; }}
button:disabled {{ opacity: .6; }}
.error {{ color: #b91c1c; font-weight: 600; }}
</style></head><body><main>{body}</main></body></html>"#,
        title = text(title)
    );
    (status, [(CONTENT_TYPE, "text/html; charset=utf-8"), (CACHE_CONTROL, "no-store")], doc).into_response()
}
