import { expect, test } from "@playwright/test";
import { LoginPage } from "../fixtures/app";

test("a wrong password shows an error in place and keeps the e-mail", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.waitForHydration();
  await login.signIn("owner@acme.test", "not-the-password");
  await expect(login.error()).toHaveText("That e-mail and password do not match an account.");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("login-email")).toHaveValue("owner@acme.test");
  await expect(page.getByTestId("login-submit")).toBeEnabled();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the form still signs in, and a wrong password still shows an error", async ({ page }) => {
    const login = new LoginPage(page);
    await login.open();
    await login.signIn("owner@acme.test", "not-the-password");
    await expect(page).toHaveURL(/\/login\?error=invalid_credentials$/);
    await expect(login.error()).toHaveText("That e-mail and password do not match an account.");

    await login.signIn("owner@acme.test", "growthkit-demo");
    await expect(page).toHaveURL(/\/app$/);
    await expect(page.getByTestId("dashboard-heading")).toHaveText("Welcome, Olivia");
  });
});
