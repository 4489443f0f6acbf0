// The engine's stand-in for Chargebee.js (https://js.chargebee.com/v2/chargebee.js), limited to what a
// card payment with a payment intent needs: Chargebee.init, getInstance, load3DSHandler, setPaymentIntent
// and handleCardPayment. The card goes from the browser to this engine only; the merchant's server gets
// the authorized intent's id. The test gateway never asks for a 3DS challenge.
(function () {
  "use strict";
  var scriptOrigin = document.currentScript ? new URL(document.currentScript.src).origin : location.origin;
  var instance = null;

  function refusal(body, status) {
    var err = new Error((body && body.message) || "The payment could not be authorized (HTTP " + status + ").");
    err.type = body && body.type;
    err.code = body && (body.error_code || body.api_error_code);
    err.api_error_code = body && body.api_error_code;
    err.param = body && body.param;
    err.http_status_code = status;
    return err;
  }

  function ThreeDSHandler(options) {
    this.options = options;
    this.paymentIntent = null;
  }

  ThreeDSHandler.prototype.setPaymentIntent = function (paymentIntent) {
    this.paymentIntent = paymentIntent;
  };

  ThreeDSHandler.prototype.updatePaymentIntent = function (paymentIntent) {
    this.paymentIntent = paymentIntent;
  };

  ThreeDSHandler.prototype.getPaymentIntent = function () {
    return this.paymentIntent;
  };

  ThreeDSHandler.prototype.handleCardPayment = function (paymentInfo, callbacks) {
    var intent = this.paymentIntent;
    var card = (paymentInfo && paymentInfo.card) || {};
    var options = this.options;
    if (!intent || !intent.id) {
      return Promise.reject(refusal({ message: "Set a payment intent before handleCardPayment." }, 0));
    }
    var form = new URLSearchParams();
    form.set("publishable_key", options.publishableKey || "");
    form.set("card[number]", card.number || "");
    form.set("card[expiry_month]", String(card.expiryMonth || ""));
    form.set("card[expiry_year]", String(card.expiryYear || ""));
    form.set("card[cvv]", card.cvv || "");
    var url = options.origin + "/js/v2/payment_intents/" + encodeURIComponent(intent.id) + "/authorize";
    var self = this;
    return fetch(url, { method: "POST", body: form, credentials: "omit", mode: "cors" })
      .then(function (res) {
        return res.json().then(
          function (body) { return { res: res, body: body }; },
          function () { return { res: res, body: null }; }
        );
      })
      .then(function (r) {
        if (!r.res.ok) {
          var err = refusal(r.body, r.res.status);
          if (callbacks && typeof callbacks.error === "function") callbacks.error(err);
          throw err;
        }
        self.paymentIntent = r.body.payment_intent;
        if (callbacks && typeof callbacks.success === "function") callbacks.success(self.paymentIntent);
        return self.paymentIntent;
      });
  };

  function Instance(options) {
    this.options = options;
  }

  Instance.prototype.load3DSHandler = function () {
    return Promise.resolve(new ThreeDSHandler(this.options));
  };

  Instance.prototype.tearDown = function () {
    instance = null;
  };

  window.Chargebee = {
    init: function (options) {
      options = options || {};
      instance = new Instance({
        site: options.site,
        publishableKey: options.publishableKey,
        origin: (options.domain || scriptOrigin).replace(/\/+$/, ""),
      });
      return instance;
    },
    getInstance: function () {
      if (!instance) throw new Error("Chargebee.init has not been called.");
      return instance;
    },
  };
})();
