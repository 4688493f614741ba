import { BrowserContext } from 'playwright-core';
import { TokenService } from '../../libs/access-control/src/token.service';
import { TestApi } from '../support/test-api';

/**
 * Signs a browser context in as someone with these roles. Until the login API is on this branch,
 * the console's session resume (POST /v1/auth/refresh) is answered with a token the API's own
 * TokenService signs; every other request goes to the real API.
 */
export async function signInAs(context: BrowserContext, api: TestApi, sub: string, roles: string[], departmentId?: string): Promise<void> {
  const accessToken = await api.app.get(TokenService).sign({ sub, roles, departmentId });
  await context.route(`${api.baseUrl}/v1/auth/refresh`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ accessToken, expiresIn: 900 }) }),
  );
}
