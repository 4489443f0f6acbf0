import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, DEMO_USERS, LoginPage, UserMenu, signIn } from "../fixtures/app";
import { docScreenshot } from "../fixtures/screenshots";

for (const user of DEMO_USERS) {
  test(`${user.email} signs in, sees the dashboard and signs out`, async ({ page }) => {
    await signIn(page, user.email);
    const firstName = user.name.split(" ")[0];
    await expect(page.getByTestId("dashboard-heading")).toHaveText(`Welcome, ${firstName}`);
    await expect(page.getByTestId("dashboard-account")).toHaveText(user.account);
    await expect(page.getByTestId("dashboard-role")).toHaveText(user.role);
    await expect(page.getByTestId("dashboard-email")).toHaveText(user.email);

    const menu = new UserMenu(page);
    await menu.signOut();
    await expect(page).toHaveURL(/\/login\?signed_out=1$/);
    await expect(page.getByTestId("signed-out")).toBeVisible();

    // The session is gone: the dashboard sends us back to sign-in.
    await page.goto("/app");
    await expect(page).toHaveURL(/\/login\?next=%2Fapp$/);
  });
}

test("B2B: both members of one account see each other on the team list", async ({ page }) => {
  await signIn(page, "member@acme.test");
  const team = page.getByTestId("team-table");
  await expect(team).toContainText("Olivia Owner");
  await expect(team).toContainText("Max Member");
  await docScreenshot(page, "dashboard", { fullPage: true });
});

test("signing in from a protected link returns to it", async ({ page }) => {
  await page.goto("/app");
  await expect(page).toHaveURL(/\/login\?next=%2Fapp$/);
  const login = new LoginPage(page);
  await login.waitForHydration();
  await login.signIn("owner@acme.test", DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByTestId("dashboard-heading")).toBeVisible();
});
