// The signed-in admin token, kept in localStorage so a reload stays signed
// in. User accounts (POST /v1/auth/login) come later; until then the admin
// token printed by `unmogrowp serve` is the only credential.

const KEY = 'unmogrowp.token';

export function getToken(): string | null {
  if (typeof localStorage === 'undefined') return null;
  return localStorage.getItem(KEY);
}

export function setToken(token: string): void {
  localStorage.setItem(KEY, token);
}

export function clearToken(): void {
  localStorage.removeItem(KEY);
}
