"""The accounts API: WeChat sign-in (`/auth/*`) and the signed-in user (`/me`)."""
