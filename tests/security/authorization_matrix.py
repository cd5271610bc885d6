"""The authorization matrix: what every route answers to every kind of caller (docs/security.md).

One row per route and method ("METHOD /rule" exactly as the URL map spells it), one status per
caller in the order of CALLERS. tests/security/test_authorization_matrix.py makes each request for
real and fails on a route without a row, a row without a route, and any status that differs.

The callers (each sends the credential of the route's family: a user's session for the API, an
admin token for /api/v1/admin, the console's cookie for /admin):
- anon: nothing.
- expired: a credential that ran out (made with a one-second lifetime by the app's own sign-in:
  WeChat's, emulated over HTTP, for a user).
- revoked: a credential signed out by the route that signs out, presented again.
- user: the owner of every object the path names (a verified user holding some of everything).
- other: another verified user, on the owner's objects; elsewhere their own data, never the owner's.
- point: a live service point's X-Service-Point-Key.
- viewer … superadmin: an admin of that role (app/accounts/admin_auth.py PERMISSIONS). The objects
  they act on were made by another admin: console objects belong to the service, not to one admin,
  so the role alone decides.

The statuses: 401 no valid credential for the API; 403 a role without the permission; 302 on the
console, "sign in" for anyone without a console session (or a form's success, for a role); 404 an
object that is not the caller's, exactly as for one that does not exist. An authorized cell gets
what a real client sending a real body gets: 2xx, or the validation answer noted beside the row.
"""

ROLES = ("viewer", "translator", "editor", "publisher", "superadmin")
CALLERS = ("anon", "expired", "revoked", "user", "other", "point", *ROLES)

MATRIX: dict[str, tuple[int, ...]] = {
    #                                                                  anon expd revk user othr pnt  view trns edit publ supr
    # The mini program's API: a user's session (`user` owns the path's objects; `other` is another user).
    "POST /api/v1/auth/login":                                         (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # a wx.login code is the credential, whoever sends it
    "POST /api/v1/auth/logout":                                        (401, 401, 401, 204, 204, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/card":                                                (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/card/contributions":                                  (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/card/contributions.csv":                              (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/card/insurances":                                     (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/card/permit":                                         (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "POST /api/v1/card/qr":                                            (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/client-texts":                                        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/flows/<name>":                                        (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "POST /api/v1/flows/<name>":                                       (401, 401, 401, 400, 409, 401, 401, 401, 401, 401, 401),  # the owner's open screen refuses the answer; the other's journey is done
    "GET /api/v1/glossary":                                            (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/guides":                                              (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/guides/<slug>":                                       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/locales":                                             (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/me":                                                  (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "PUT /api/v1/me":                                                  (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "PATCH /api/v1/me":                                                (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "DELETE /api/v1/me":                                               (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "POST /api/v1/me/consents/<purpose>/withdraw":                     (401, 401, 401, 200, 404, 401, 401, 401, 401, 401, 401),  # the other user holds no such consent
    "GET /api/v1/me/export":                                           (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "GET /api/v1/notices":                                             (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    "POST /api/v1/notices/<int:notice_id>/read":                       (401, 401, 401, 200, 404, 401, 401, 401, 401, 401, 401),  # the owner's notice: the other user gets the 404 of a notice that is not theirs
    "GET /api/v1/openapi.json":                                        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/v1/qr/verify":                                          (401, 401, 401, 401, 401, 200, 401, 401, 401, 401, 401),  # a service point's key only
    "POST /api/v1/subscriptions":                                      (401, 401, 401, 200, 200, 401, 401, 401, 401, 401, 401),
    # The admin API: an admin token; the role decides.
    "POST /api/v1/admin/audience/count":                               (401, 401, 401, 401, 401, 401, 200, 200, 200, 200, 200),
    "POST /api/v1/admin/auth":                                         (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # how an admin token is obtained
    "POST /api/v1/admin/logout":                                       (401, 401, 401, 401, 401, 401, 204, 204, 204, 204, 204),
    "GET /api/v1/admin/notices":                                       (401, 401, 401, 401, 401, 401, 200, 200, 200, 200, 200),
    "POST /api/v1/admin/notices":                                      (401, 401, 401, 401, 401, 401, 403, 403, 201, 201, 201),
    "GET /api/v1/admin/notices/<int:notice_id>":                       (401, 401, 401, 401, 401, 401, 200, 200, 200, 200, 200),
    "PUT /api/v1/admin/notices/<int:notice_id>":                       (401, 401, 401, 401, 401, 401, 403, 403, 200, 200, 200),
    "DELETE /api/v1/admin/notices/<int:notice_id>/draft":              (401, 401, 401, 401, 401, 401, 403, 403, 200, 200, 200),  # the notice as it stays live
    "POST /api/v1/admin/notices/<int:notice_id>/publish":              (401, 401, 401, 401, 401, 401, 403, 403, 403, 200, 200),
    "GET /api/v1/admin/notices/<int:notice_id>/stats":                 (401, 401, 401, 401, 401, 401, 200, 403, 200, 200, 200),
    "PUT /api/v1/admin/notices/<int:notice_id>/translations/<locale>": (401, 401, 401, 401, 401, 401, 403, 200, 200, 200, 200),
    "POST /api/v1/admin/notices/<int:notice_id>/withdraw":             (401, 401, 401, 401, 401, 401, 403, 403, 403, 200, 200),
    # The console: a console session; the role decides. 302 is "sign in" for anyone without one.
    "GET /admin/":                                                     (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),  # redirects to the notice list, which is guarded
    "GET /admin/account":                                              (302, 302, 302, 302, 302, 302, 200, 200, 200, 200, 200),
    "POST /admin/account":                                             (302, 302, 302, 302, 302, 302, 422, 422, 422, 422, 422),  # an empty password form is refused after the guard
    "POST /admin/account/sign-out-everywhere":                         (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),  # a role's success sends it to sign in
    "GET /admin/audience/count":                                       (302, 302, 302, 302, 302, 302, 200, 200, 200, 200, 200),
    "GET /admin/audit":                                                (302, 302, 302, 302, 302, 302, 403, 403, 403, 200, 200),
    "GET /admin/login":                                                (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # how a console session is obtained
    "POST /admin/login":                                               (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # an empty form is shown again
    "POST /admin/logout":                                              (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),  # a role's success sends it to sign in
    "GET /admin/notices":                                              (302, 302, 302, 302, 302, 302, 200, 200, 200, 200, 200),
    "GET /admin/notices/<int:notice_id>":                              (302, 302, 302, 302, 302, 302, 200, 200, 200, 200, 200),
    "GET /admin/notices/<int:notice_id>/edit":                         (302, 302, 302, 302, 302, 302, 403, 403, 200, 200, 200),
    "POST /admin/notices/<int:notice_id>/edit":                        (302, 302, 302, 302, 302, 302, 403, 403, 302, 302, 302),
    "POST /admin/notices/<int:notice_id>/draft/discard":               (302, 302, 302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/notices/<int:notice_id>/preview/<locale>":             (302, 302, 302, 302, 302, 302, 200, 200, 200, 200, 200),
    "POST /admin/notices/<int:notice_id>/publish":                     (302, 302, 302, 302, 302, 302, 403, 403, 403, 302, 302),
    "POST /admin/notices/<int:notice_id>/resume":                      (302, 302, 302, 302, 302, 302, 403, 403, 403, 302, 302),
    "GET /admin/notices/<int:notice_id>/stats":                        (302, 302, 302, 302, 302, 302, 200, 403, 200, 200, 200),
    "GET /admin/notices/<int:notice_id>/translate/<locale>":           (302, 302, 302, 302, 302, 302, 403, 200, 200, 200, 200),
    "POST /admin/notices/<int:notice_id>/translate/<locale>":          (302, 302, 302, 302, 302, 302, 403, 302, 302, 302, 302),
    "GET /admin/notices/<int:notice_id>/versions":                     (302, 302, 302, 302, 302, 302, 200, 200, 200, 200, 200),
    "POST /admin/notices/<int:notice_id>/withdraw":                    (302, 302, 302, 302, 302, 302, 403, 403, 403, 302, 302),
    "GET /admin/notices/new":                                          (302, 302, 302, 302, 302, 302, 403, 403, 200, 200, 200),
    "POST /admin/notices/new":                                         (302, 302, 302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/registry/import":                                      (302, 302, 302, 302, 302, 302, 403, 403, 403, 403, 200),
    "POST /admin/registry/import":                                     (302, 302, 302, 302, 302, 302, 403, 403, 403, 403, 422),  # an empty upload form is refused after the guard
    "GET /admin/registry/import/<token>":                              (302, 302, 302, 302, 302, 302, 403, 403, 403, 403, 200),
    "GET /admin/registry/import/<token>.json":                         (302, 302, 302, 302, 302, 302, 403, 403, 403, 403, 200),
    "GET /admin/static/<path:filename>":                               (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # the console's CSS and scripts
    "GET /admin/translations":                                         (302, 302, 302, 302, 302, 302, 403, 200, 200, 200, 200),
    "GET /admin/translations/preview":                                 (302, 302, 302, 302, 302, 302, 403, 200, 200, 200, 200),
    "GET /admin/verifications":                                        (302, 302, 302, 302, 302, 302, 403, 403, 403, 403, 200),
    "POST /admin/verifications":                                       (302, 302, 302, 302, 302, 302, 403, 403, 403, 403, 422),  # an empty reference is refused after the guard
    # Outside the API and the console.
    "GET /healthz":                                                    (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # liveness: says nothing but ok
    "GET /metrics":                                                    (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # own rule: METRICS_TOKEN or a direct loopback peer (the test client is one)
    "GET /readyz":                                                     (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # readiness: names the part that is down, no data
    # The mini program's browser preview: development and testing only, no data of anyone's (tests/preview).
    "GET /_preview/":                                                  (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /_preview/miniprogram.css":                                   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /_preview/lib/<name>":                                        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /_preview/assets/<path:name>":                                (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /_preview/static/<path:filename>":                            (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /static/<path:filename>":                                     (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),  # the app serves no static files of its own
    "GET /wechat/callback":                                            (403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),  # WeChat's handshake: a signature, never a session
    "POST /wechat/callback":                                           (403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),  # WeChat's pushes: a signature and a fresh timestamp
}
