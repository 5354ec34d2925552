"""The infra rules as plain functions: each takes the template and returns its violations.

The same functions back the tests in ``test_template_rules.py`` and the mutation test,
which shows that each common mistake makes at least one of them fail.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.infra.bicep_model import Resource, Template

REPO = Path(__file__).resolve().parents[2]

# Built-in role definition ids (identical in every tenant), from "Azure built-in roles",
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles .
SITE_RECOVERY_OPERATOR = "494ae006-db33-4328-bf46-533a6560a3ca"
LOG_ANALYTICS_READER = "73c42c96-874c-492b-b04d-ab87d138a893"
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
DURABLE_TASK_DATA_CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"

#: The complete, intended set of grants: (scope resource type, role definition id).
INTENDED_ROLES: dict[tuple[str, str], str] = {
    ("Microsoft.RecoveryServices/vaults", SITE_RECOVERY_OPERATOR): "Site Recovery Operator",
    ("Microsoft.OperationalInsights/workspaces", LOG_ANALYTICS_READER): "Log Analytics Reader",
    ("Microsoft.Storage/storageAccounts", STORAGE_BLOB_DATA_OWNER): "Storage Blob Data Owner",
    ("Microsoft.Storage/storageAccounts", STORAGE_QUEUE_DATA_CONTRIBUTOR): "Storage Queue Data Contributor",
    ("Microsoft.Storage/storageAccounts", STORAGE_TABLE_DATA_CONTRIBUTOR): "Storage Table Data Contributor",
    ("Microsoft.KeyVault/vaults", KEY_VAULT_SECRETS_USER): "Key Vault Secrets User",
    ("Microsoft.Insights/components", MONITORING_METRICS_PUBLISHER): "Monitoring Metrics Publisher",
    # Only deployed with durableBackend = DurableTaskScheduler; scoped to the one task hub.
    ("Microsoft.DurableTask/schedulers/taskHubs", DURABLE_TASK_DATA_CONTRIBUTOR): (
        "Durable Task Data Contributor"
    ),
}

#: Broad roles that must never appear, with their names for the message.
PRIVILEGED_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "6670b86e-a3f7-4917-ac9b-5d6ab1be4567": "Site Recovery Contributor",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
}

#: Settings the platform needs besides the application's SETTING_NAMES (Flex Consumption,
#: identity-based host storage, Application Insights with Entra ID auth).
PLATFORM_SETTINGS = {
    "PYTHON_SCRIPT_FILE_NAME",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "AzureWebJobsStorage__tableServiceUri",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}

#: Settings Flex Consumption rejects, or that would bring back a storage key.
FORBIDDEN_SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
    "AzureWebJobsStorage",
}

#: Host settings that switch the Durable backend to Durable Task Scheduler (issue 14, part 4):
#: host.json keeps AzureStorage, these app settings override it only in that deployment.
DTS_PROVIDER_TYPE = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__type"
DTS_CONNECTION_NAME = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName"
DTS_CONNECTION_STRING = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
DURABLE_BACKENDS = ("AzureStorage", "DurableTaskScheduler")

_KEY_MATERIAL = re.compile(r"listKeys\(|listAccountSas\(|listServiceSas\(|AccountKey=|SharedAccessSignature=")
#: The one key the template may read: the Function App host's default function key, which the
#: optional action group and Logic App present to /api/alerts and /api/failbacks.
_FUNCTION_HOST_KEY = "listKeys('${functionApp.id}/host/default'"

Rule = Callable[[Template], list[str]]


def setting_names() -> dict[str, str]:
    """The app's settings table, read from the code at call time (other parts add entries)."""
    from clients.settings import SETTING_NAMES

    return dict(SETTING_NAMES)


def _where(res: Resource) -> str:
    return f"{res.file.path.name}:{res.symbol}"


def storage_identity_only(t: Template) -> list[str]:
    """Shared-key access is off and no key or SAS is read anywhere in the template."""
    out = []
    accounts = t.resources("Microsoft.Storage/storageAccounts", existing=False)
    if not accounts:
        out.append("no storage account declared")
    for res in accounts:
        if res.properties.get("allowSharedKeyAccess") is not False:
            out.append(f"{_where(res)}: allowSharedKeyAccess must be false")
        if res.properties.get("defaultToOAuthAuthentication") is not True:
            out.append(f"{_where(res)}: defaultToOAuthAuthentication must be true")
    for f in t.files.values():
        text = f.path.read_text()
        for m in _KEY_MATERIAL.finditer(text):
            if not text.startswith(_FUNCTION_HOST_KEY, m.start()):
                out.append(f"{f.path.name}: reads key material ({m.group(0)})")
    return out


def public_blob_access_off(t: Template) -> list[str]:
    """No anonymous blob access on accounts or containers."""
    out = []
    for res in t.resources("Microsoft.Storage/storageAccounts", existing=False):
        if res.properties.get("allowBlobPublicAccess") is not False:
            out.append(f"{_where(res)}: allowBlobPublicAccess must be false")
    for res in t.resources("Microsoft.Storage/storageAccounts/blobServices/containers", existing=False):
        if res.properties.get("publicAccess", "None") != "None":
            out.append(f"{_where(res)}: container publicAccess must be None")
    return out


def https_and_tls12(t: Template) -> list[str]:
    """Storage and the app accept HTTPS only, TLS 1.2 at least; FTP is off."""
    out = []
    for res in t.resources("Microsoft.Storage/storageAccounts", existing=False):
        if res.properties.get("supportsHttpsTrafficOnly") is not True:
            out.append(f"{_where(res)}: supportsHttpsTrafficOnly must be true")
        if res.properties.get("minimumTlsVersion") != "TLS1_2":
            out.append(f"{_where(res)}: minimumTlsVersion must be TLS1_2")
    sites = t.resources("Microsoft.Web/sites", existing=False)
    if not sites:
        out.append("no Function App declared")
    for res in sites:
        site_config = res.properties.get("siteConfig") or {}
        if res.properties.get("httpsOnly") is not True:
            out.append(f"{_where(res)}: httpsOnly must be true")
        if site_config.get("minTlsVersion") != "1.2":
            out.append(f"{_where(res)}: siteConfig.minTlsVersion must be 1.2")
        if site_config.get("ftpsState") != "Disabled":
            out.append(f"{_where(res)}: siteConfig.ftpsState must be Disabled")
    return out


def _role_grants(t: Template) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Return ((scope type, role id, where) for every grant, problems found on the way)."""
    grants: list[tuple[str, str, str]] = []
    problems: list[str] = []
    for res in t.resources("Microsoft.Authorization/roleAssignments", existing=False):
        scope_symbol = res.body.get("scope")
        scope = res.file.resource(scope_symbol) if isinstance(scope_symbol, str) else None
        scope_type = scope.type if scope else "<deployment scope>"
        role_ids: list[str] = []
        if res.loop:
            source = res.loop["detail"]["array_name"]
            fn = source.get("function", {}) if isinstance(source, dict) else {}
            roles = (
                t.resolve(res.file, fn.get("parameters", {}).get("arg_1"))
                if fn.get("type") == "items"
                else None
            )
            if not isinstance(roles, dict):
                problems.append(f"{_where(res)}: loop must be over items(<name -> role id map>)")
                continue
            role_ids = [str(v) for v in roles.values()]
        else:
            rd = res.properties.get("roleDefinitionId")
            role_ids = [
                m.group(0) for m in re.finditer(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", json.dumps(rd))
            ]
        problems += _name_problems(res, scope_symbol)
        grants += [(scope_type, rid.lower(), _where(res)) for rid in role_ids]
    return grants, problems


def _name_problems(res: Resource, scope_symbol: Any) -> list[str]:
    """Assignment names must be guid(<scope>.id, principalId, <role>) so re-deploys are idempotent."""
    guid = res.body.get("name", {}).get("function", {}) if isinstance(res.body.get("name"), dict) else {}
    params = list((guid.get("parameters") or {}).values())
    first = params[0] if params else None
    scoped = (
        isinstance(first, dict)
        and first.get("operator", {}).get("operands", {}).get("operand_1") == scope_symbol
        and first["operator"]["operands"].get("operand_2") == "id"
    )
    if guid.get("type") != "guid" or len(params) != 3 or not scoped or params[1] != "principalId":
        return [f"{_where(res)}: name must be guid({scope_symbol}.id, principalId, roleId)"]
    return []


def roles_least_privilege(t: Template) -> list[str]:
    """Grants are exactly the intended (scope type, role id) pairs; nothing broad, nothing extra."""
    grants, out = _role_grants(t)
    seen = set()
    for scope_type, role_id, where in grants:
        if role_id in PRIVILEGED_ROLES:
            out.append(f"{where}: privileged role {PRIVILEGED_ROLES[role_id]} on {scope_type}")
        elif (scope_type, role_id) not in INTENDED_ROLES:
            out.append(f"{where}: unexpected role {role_id} on {scope_type}")
        seen.add((scope_type, role_id))
    for key, name in INTENDED_ROLES.items():
        if key not in seen:
            out.append(f"missing {name} on {key[0]}")
    return out


def cross_scope_modules(t: Template) -> list[str]:
    """Vault and workspace grants are deployed into each target's own resource group."""
    out = []
    targets = {"roles-recovery-vault.bicep": "vaultIds", "roles-workspace.bicep": "workspaceIds"}
    for name, array in targets.items():
        calls = [c for c in t.main.modules() if c.target.name == name]
        if not calls:
            out.append(f"main.bicep does not use modules/{name}")
        for call in calls:
            item = (call.loop or {}).get("detail", {}).get("item_name")
            scope = json.dumps(call.body.get("scope"))
            if (call.loop or {}).get("detail", {}).get("array_name") != array:
                out.append(f"{call.symbol}: must loop over {array}")
            if '"resource_group"' not in scope or f'"{item}"' not in scope:
                out.append(f"{call.symbol}: scope must be resourceGroup(<sub of {item}>, <rg of {item}>)")
    return out


def roles_go_to_the_app_identity(t: Template) -> list[str]:
    """Every role module grants to the app's user-assigned identity, as a service principal."""
    out = []
    for call in t.main.modules():
        if not call.target.name.startswith("roles-"):
            continue
        principal = json.dumps((call.body.get("params") or {}).get("principalId"))
        if '"identity"' not in principal or '"principalId"' not in principal:
            out.append(f"{call.symbol}: principalId must be identity.outputs.principalId")
    for res in t.resources("Microsoft.Authorization/roleAssignments", existing=False):
        if res.properties.get("principalType") != "ServicePrincipal":
            out.append(f"{_where(res)}: principalType must be ServicePrincipal")
    return out


def secrets_only_through_key_vault(t: Template) -> list[str]:
    """No app setting carries a @secure() parameter's value; secrets are Key Vault references."""
    secure = [
        name
        for name, p in t.main.parameters.items()
        if any(d.get("type") == "secure" for d in p.get("decorators") or [])
    ]
    by_backend, out = durable_backend_settings(t)
    settings = by_backend["DurableTaskScheduler"]  # every setting of either backend
    for name, value in settings.items():
        text = json.dumps(value)
        for param in secure:
            # empty(<param>) only decides whether a Key Vault reference is set at all.
            bare = text.replace(f'"item_to_test": "{param}"', "")
            if f'"{param}"' in bare or "${" + param + "}" in bare:
                out.append(f"app setting {name} carries the secret parameter {param} in plain text")
    for f in t.files.values():
        hidden = {
            n
            for n, p in f.parameters.items()
            if any(d.get("type") == "secure" for d in p.get("decorators") or [])
        }
        for out_name, output in (f.doc.get("outputs") or {}).items():
            text = json.dumps(output.get("value"))
            out += [
                f"{f.path.name}: output {out_name} uses secure parameter {h}"
                for h in hidden
                if f'"{h}"' in text
            ]
    signing = json.dumps(settings.get("APPROVAL_SIGNING_KEY"))
    if "@Microsoft.KeyVault(" not in signing:
        out.append("APPROVAL_SIGNING_KEY must be a Key Vault reference")
    return out


def _function_app_settings(t: Template) -> tuple[dict[str, Any], list[str]]:
    sites = t.resources("Microsoft.Web/sites", existing=False)
    if len(sites) != 1:
        return {}, [f"expected one Function App, found {len(sites)}"]
    site = sites[0]
    app_settings = (site.properties.get("siteConfig") or {}).get("appSettings")
    if isinstance(app_settings, list):
        return {s["name"]: s.get("value") for s in app_settings}, []
    if isinstance(app_settings, dict) and "loop_type" in app_settings:
        source = app_settings["loop_type"]["detail"]["array_name"]
        resolved = t.resolve(site.file, source.get("function", {}).get("parameters", {}).get("arg_1"))
        if isinstance(resolved, dict):
            return resolved, []
    return {}, [f"{_where(site)}: siteConfig.appSettings is not a list or a loop over items(<settings>)"]


def app_settings_match_code(t: Template) -> list[str]:
    """App settings are exactly SETTING_NAMES + the platform ones; none Flex rejects; no keys."""
    settings, out = _function_app_settings(t)
    if out:
        return out
    expected = set(setting_names()) | PLATFORM_SETTINGS
    for name in sorted(expected - settings.keys()):
        out.append(f"missing app setting {name}")
    for name in sorted(settings.keys() - expected):
        out.append(f"unexpected app setting {name} (add it to SETTING_NAMES or PLATFORM_SETTINGS)")
    for name in sorted(FORBIDDEN_SETTINGS & settings.keys()):
        out.append(f"forbidden app setting {name}")
    literal = {k: v for k, v in settings.items() if isinstance(v, str)}
    if literal.get("FAILBACK_CREDENTIAL", "managed-identity") != "managed-identity":
        out.append("FAILBACK_CREDENTIAL must be managed-identity in Azure")
    if literal.get("FAILBACK_LOCAL_MODE", "false") != "false":
        out.append("FAILBACK_LOCAL_MODE must be false in Azure")
    if literal.get("AzureWebJobsStorage__credential", "managedidentity") != "managedidentity":
        out.append("AzureWebJobsStorage__credential must be managedidentity")
    if not literal.get("APPROVAL_SIGNING_KEY", "").startswith("@Microsoft.KeyVault("):
        out.append("APPROVAL_SIGNING_KEY must be a Key Vault reference")
    return out


def entry_file_setting(t: Template) -> list[str]:
    """PYTHON_SCRIPT_FILE_NAME names entrypoint.py, the file the local settings use, which exists."""
    settings, out = _function_app_settings(t)
    if out:
        return out
    value = settings.get("PYTHON_SCRIPT_FILE_NAME")
    if value is None:
        return ["PYTHON_SCRIPT_FILE_NAME is not set: the worker would import function_app.py"]
    local = json.loads((REPO / "local.settings.example.json").read_text())["Values"][
        "PYTHON_SCRIPT_FILE_NAME"
    ]
    if value != local:
        out.append(f"PYTHON_SCRIPT_FILE_NAME is {value!r}, local settings use {local!r}")
    if not (REPO / str(value)).is_file():
        out.append(f"PYTHON_SCRIPT_FILE_NAME names {value!r}, which does not exist")
    return out


def flex_consumption_python(t: Template) -> list[str]:
    """Flex Consumption plan, Python 3.11, deployment from blob storage with the user identity."""
    out = []
    plans = t.resources("Microsoft.Web/serverfarms", existing=False)
    if not any((p.body.get("sku") or {}).get("name") == "FC1" for p in plans):
        out.append("no Flex Consumption (FC1) plan")
    for site in t.resources("Microsoft.Web/sites", existing=False):
        config = site.properties.get("functionAppConfig") or {}
        if config.get("runtime") != {"name": "python", "version": "3.11"}:
            out.append(f"{_where(site)}: runtime must be python 3.11")
        auth = ((config.get("deployment") or {}).get("storage") or {}).get("authentication") or {}
        if auth.get("type") != "UserAssignedIdentity":
            out.append(f"{_where(site)}: deployment storage must use the user-assigned identity")
        if (site.body.get("identity") or {}).get("type") != "UserAssigned":
            out.append(f"{_where(site)}: identity must be UserAssigned only")
        if site.properties.get("keyVaultReferenceIdentity") != "identityId":
            out.append(f"{_where(site)}: keyVaultReferenceIdentity must be the user-assigned identity")
    return out


def key_vault_rbac(t: Template) -> list[str]:
    """Key Vault uses RBAC (no access policies)."""
    out = []
    vaults = t.resources("Microsoft.KeyVault/vaults", existing=False)
    if not vaults:
        out.append("no Key Vault declared")
    for v in vaults:
        p = v.properties
        if p.get("enableRbacAuthorization") is not True or p.get("accessPolicies"):
            out.append(f"{_where(v)}: must use RBAC authorization and no access policies")
    return out


def excluded_auth_paths(t: Template) -> list[str]:
    """Easy Auth is on, requires sign-in, and only approval routes are left under it."""
    configs = [r for r in t.resources("Microsoft.Web/sites/config") if r.body.get("name") == "authsettingsV2"]
    if len(configs) != 1:
        return ["expected one authsettingsV2 config"]
    auth = configs[0]
    props = auth.properties
    validation = props.get("globalValidation") or {}
    out = []
    if (props.get("platform") or {}).get("enabled") is not True or validation.get(
        "requireAuthentication"
    ) is not True:
        out.append("App Service Authentication must be enabled and require authentication")
    excluded = t.resolve(auth.file, validation.get("excludedPaths"))
    if not isinstance(excluded, list):
        return [*out, "excludedPaths must resolve to a literal list"]
    for route in http_routes():
        path = "/api/" + route
        covered = any(p == path or (p.endswith("/*") and path.startswith(p[:-1])) for p in excluded)
        if route.startswith("approvals") and covered:
            out.append(f"{path} is excluded from sign-in; approval pages need the approver's identity")
        elif not route.startswith("approvals") and not covered:
            hint = "callers with function keys would get a login page"
            out.append(f"{path} is not in authExcludedPaths (infra/main.bicep): {hint}")
    return out


@functools.lru_cache(maxsize=1)
def http_routes() -> tuple[str, ...]:
    """HTTP routes of the app, indexed as the worker does, in a fresh interpreter.

    A fresh process because a ``FunctionRegister`` refuses to be indexed twice and other
    tests index the same app in this one.
    """
    code = (
        "import json, entrypoint\n"
        "routes = {b.route for f in entrypoint.app.get_functions() for b in f.get_bindings()\n"
        "          if b.type == 'httpTrigger' and b.route}\n"
        "print(json.dumps(sorted(routes)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    return tuple(json.loads(proc.stdout.strip().splitlines()[-1]))


def descriptions_everywhere(t: Template) -> list[str]:
    """Every parameter of every file has @description."""
    out = []
    for f in t.files.values():
        out += [
            f"{f.path.name}: param {name} has no @description"
            for name, p in f.parameters.items()
            if not any(d.get("type") == "description" for d in p.get("decorators") or [])
        ]
    return out


def resource_token_naming(t: Template) -> list[str]:
    """Names come from abbreviations.json and toLower(uniqueString(subscription().id, env, location))."""
    token = json.dumps(t.main.variables.get("resourceToken", {}).get("value"))
    abbrs = json.dumps(t.main.variables.get("abbrs", {}).get("value"))
    out = []
    if not all(s in token for s in ('"to_lower"', '"unique_string"', '"environmentName"', '"location"')):
        out.append(
            "resourceToken must be toLower(uniqueString(subscription().id, environmentName, location))"
        )
    if "abbreviations.json" not in abbrs:
        out.append("abbrs must be loadJsonContent('abbreviations.json')")
    return out


# -- issue 17: one unattended, repeatable azd up -------------------------------------------------

#: The app roles of the approval pages' app registration.
APP_ROLES = {"operator", "approver", "auditor"}
#: Functions whose value changes on every deployment: a name or secret built from them would
#: change (or be regenerated) on every `azd provision`.
_TIME_DEPENDENT = re.compile(r"\b(utcNow|newGuid)\s*\(")
#: Optional modules and the bool parameter that must switch each one.
OPTIONAL_MODULES = {
    "communication.bicep": "emailEnabled",
    "roles-communication.bicep": "emailEnabled",
    "failback-alerts.bicep": "failbackAlertsEnabled",
    "logicapp.bicep": "logicAppEnabled",
}
#: The only actions the ACS e-mail sender role may carry.
EMAIL_SENDER_ACTIONS = {
    "Microsoft.Communication/CommunicationServices/Read",
    "Microsoft.Communication/CommunicationServices/Write",
    "Microsoft.Communication/EmailServices/write",
}


def _decorator(param: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((d for d in param.get("decorators") or [] if d.get("type") == kind), None)


def _text(value: Any) -> str:
    return json.dumps(value)


def _redirect_problems(app: Resource) -> list[str]:
    """Redirect URIs: web callbacks of App Service Authentication over https, nothing else."""
    out, body = [], app.body
    for client in ("publicClient", "spa"):
        if body.get(client):
            out.append(f"{_where(app)}: {client} redirect URIs are not allowed (sign-in is the web callback)")
    web = body.get("web") or {}
    if ((web.get("implicitGrantSettings") or {}).get("enableIdTokenIssuance")) is not True:
        out.append(f"{_where(app)}: web.implicitGrantSettings.enableIdTokenIssuance must be true")
    uris = web.get("redirectUris")
    if not uris:
        return [*out, f"{_where(app)}: web.redirectUris missing"]
    template = uris.get("config") if isinstance(uris, dict) and "loop_type" in uris else uris
    for uri in template if isinstance(template, list) else [template]:
        text = uri if isinstance(uri, str) else _text(uri)
        if not text.startswith("https://") or not text.endswith("/.auth/login/aad/callback"):
            out.append(
                f"{_where(app)}: redirect URI {text!r} must be https://<host>/.auth/login/aad/callback"
            )
        if re.search(r"localhost|127\.0\.0\.1|\*", text):
            out.append(f"{_where(app)}: redirect URI {text!r} points outside the app")
    return out


def _app_role_problems(t: Template, app: Resource) -> list[str]:
    """App roles: exactly operator, approver, auditor, each with a deterministic id."""
    source = app.body.get("appRoles")
    loop = source.get("loop_type") if isinstance(source, dict) else None
    if loop and loop["detail"]["array_name"].get("function", {}).get("type") == "items":
        roles = t.resolve(app.file, loop["detail"]["array_name"]["function"]["parameters"]["arg_1"])
        roles = roles if isinstance(roles, dict) else {}
        values, ids = set(roles), [_text(r.get("id")) for r in roles.values()]
    else:
        listed = [r for r in source or [] if isinstance(r, dict)]
        values, ids = {r.get("value") for r in listed}, [_text(r.get("id")) for r in listed]
    out = []
    if values != APP_ROLES:
        out.append(
            f"{_where(app)}: app roles must be exactly {sorted(APP_ROLES)}, found {sorted(map(str, values))}"
        )
    if any('"guid"' not in i for i in ids):
        out.append(f"{_where(app)}: every app role id must be a deterministic guid(...)")
    return out


def entra_app_registration(t: Template) -> list[str]:
    """The approval pages' app registration is code: idempotent, https callbacks only, 3 roles, groups."""
    apps = t.resources("Microsoft.Graph/applications", existing=False)
    if len(apps) != 1:
        return [f"expected one Microsoft.Graph/applications, found {len(apps)}"]
    app, out = apps[0], []
    if not app.body.get("uniqueName"):
        out.append(f"{_where(app)}: uniqueName is required (it makes every provision an upsert)")
    if app.body.get("signInAudience") != "AzureADMyOrg":
        out.append(f"{_where(app)}: signInAudience must be AzureADMyOrg (approvers are in this tenant)")
    if app.body.get("groupMembershipClaims") not in ("SecurityGroup", "ApplicationGroup", "All"):
        out.append(f"{_where(app)}: groupMembershipClaims must emit the groups claim (group: approvers)")
    out += _redirect_problems(app) + _app_role_problems(t, app)
    sps = t.resources("Microsoft.Graph/servicePrincipals", existing=False)
    if len(sps) != 1 or sps[0].body.get("appRoleAssignmentRequired") is not True:
        out.append("one service principal with appRoleAssignmentRequired: true (only role holders sign in)")
    call = next((c for c in t.main.modules() if c.target.name == "functionapp.bicep"), None)
    client = _text((call.body.get("params") or {}).get("authClientId")) if call else ""
    if '"entraApp"' not in client or '"appId"' not in client:
        out.append(
            "App Service Authentication must use the app registration's appId (entraApp.outputs.appId)"
        )
    return out


def key_vault_survives_soft_delete(t: Template) -> list[str]:
    """`azd down --purge && azd up` works: purge protection off, or on with a name that changes."""
    out = []
    for v in t.resources("Microsoft.KeyVault/vaults", existing=False):
        p = v.properties
        if p.get("enableSoftDelete") is False:
            out.append(f"{_where(v)}: soft delete must stay on (the undo for an accidental delete)")
        if p.get("enablePurgeProtection") is True:
            call = next((c for c in t.main.modules() if c.target == v.file.path), None)
            name = _text((call.body.get("params") or {}).get("name")) if call else ""
            if "keyVaultNameSalt" not in name:
                out.append(
                    f"{_where(v)}: purge protection with a deterministic name blocks azd up after azd down "
                    "for the whole retention; add a name salt parameter or leave purge protection off"
                )
        elif p.get("softDeleteRetentionInDays") != 7:
            out.append(f"{_where(v)}: without purge protection keep the shortest soft-delete retention (7)")
    return out


def nothing_changes_on_reprovision(t: Template) -> list[str]:
    """No utcNow()/newGuid() anywhere: names, secrets and role ids are the same on every provision."""
    out = []
    for f in t.files.values():
        for m in _TIME_DEPENDENT.finditer(f.path.read_text()):
            out.append(f"{f.path.name}: {m.group(1)}() changes on every deployment")
    return out


def signing_key_generated_once(t: Template) -> list[str]:
    """The signing key is generated by azd once per environment, written to Key Vault only."""
    param = t.main.parameters.get("approvalSigningKey")
    if param is None:
        return ["main.bicep: param approvalSigningKey is missing"]
    out = []
    if _decorator(param, "secure") is None:
        out.append("approvalSigningKey must be @secure()")
    meta = _text((_decorator(param, "metadata") or {}).get("argument"))
    if '"generate"' not in meta:
        out.append("approvalSigningKey must carry azd metadata type 'generate' (generated once, reused)")
    if param.get("default") is not None:
        out.append("approvalSigningKey must have no default (azd generates it)")
    given = azd_parameters(t.entry.parent / "main.parameters.json", {})
    if "approvalSigningKey" in given:
        out.append("main.parameters.json must not map approvalSigningKey (azd would not generate it)")
    return out


def optional_modules_switched(t: Template) -> list[str]:
    """ACS e-mail, the failback alert rules and the Logic App are deployed only when switched on."""
    out = []
    calls = {c.target.name: c for c in t.main.modules()}
    for module, switch in OPTIONAL_MODULES.items():
        call = calls.get(module)
        if call is None:
            out.append(f"main.bicep does not use modules/{module}")
            continue
        raw = (t.main.doc.get("modules") or {})[call.symbol].get("config") or {}
        if _text(raw.get("condition")) != _text(switch):
            out.append(f"module {call.symbol} must be deployed only `if ({switch})`")
        if (t.main.parameters.get(switch) or {}).get("type") != "bool":
            out.append(f"param {switch} must be a bool")
    return out


def alert_rules_structured(t: Template) -> list[str]:
    """ALERT_RULES is an array parameter (no escaped JSON) the app setting serializes once."""
    out = []
    if (t.main.parameters.get("alertRules") or {}).get("type") != "array":
        out.append("param alertRules must be an array")
    settings, problems = _function_app_settings(t)
    value = _text(settings.get("ALERT_RULES"))
    if problems or '"string"' not in value or '"alertRules"' not in value:
        out.append("app setting ALERT_RULES must be string(alertRules)")
    given = azd_parameters(t.entry.parent / "main.parameters.json", {})
    if not isinstance(given.get("alertRules"), list):
        out.append("main.parameters.json must pass alertRules as a JSON array (unquoted placeholder)")
    return out


def flex_consumption_regions(t: Template) -> list[str]:
    """`location` offers only Flex Consumption regions (azd prompts from the @allowed list)."""
    allowed = _decorator(t.main.parameters.get("location") or {}, "allowed")
    regions = (allowed or {}).get("argument") or []
    if not regions:
        return ["param location must be @allowed([...Flex Consumption regions...])"]
    return [f"location {r!r} is not a region name" for r in regions if not re.fullmatch(r"[a-z0-9]+", str(r))]


def opentelemetry_everywhere(t: Template) -> list[str]:
    """host.json telemetryMode OpenTelemetry and the worker's distro on, so spans correlate."""
    out = []
    host = json.loads((REPO / "host.json").read_text())
    if host.get("telemetryMode") != "OpenTelemetry":
        out.append("host.json: telemetryMode must be OpenTelemetry")
    settings, problems = _function_app_settings(t)
    if problems or settings.get("PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY") != "true":
        out.append("app setting PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY must be 'true'")
    return out


def run_alerts_and_workbook(t: Template) -> list[str]:
    """Failed and stranded runs alert on Application Insights; a workbook shows runs and throttling."""
    out = []
    rules = [r for r in t.resources("Microsoft.Insights/scheduledQueryRules", existing=False)]
    on_app = [r for r in rules if '"appInsights"' in _text(r.properties.get("scopes"))]
    queries = " ".join(_text(t.resolve(r.file, _criteria_query(r))) for r in on_app)
    if "failed" not in queries:
        out.append("no Application Insights alert on failed runs")
    if "ago(" not in queries or "ended == 0" not in queries:
        out.append("no Application Insights alert on stranded runs")
    for r in on_app:
        actions = _text((r.properties.get("actions") or {}).get("actionGroups"))
        if '"id"' not in actions:
            out.append(f"{_where(r)}: the alert must notify an action group")
    books = t.resources("Microsoft.Insights/workbooks", existing=False)
    text = " ".join({b.file.path.read_text() for b in books})
    for needed in ("ended: ", "switchover", "429"):
        if needed not in text:
            out.append(f"workbook does not show {needed!r} (runs/outcomes, downtime, ARM throttling)")
    if not books:
        out.append("no workbook declared")
    return out


def _criteria_query(rule: Resource) -> Any:
    criteria = (rule.properties.get("criteria") or {}).get("allOf") or [{}]
    return criteria[0].get("query") if isinstance(criteria, list) and criteria else None


def email_sender_role(t: Template) -> list[str]:
    """The ACS role is a custom role with only the e-mail sender actions, scoped to the resource group."""
    out = []
    definitions = t.resources("Microsoft.Authorization/roleDefinitions", existing=False)
    for d in definitions:
        perms = d.properties.get("permissions") or [{}]
        actions = t.resolve(d.file, perms[0].get("actions"))
        if not isinstance(actions, list) or set(actions) != EMAIL_SENDER_ACTIONS:
            out.append(f"{_where(d)}: actions must be exactly {sorted(EMAIL_SENDER_ACTIONS)}")
        if perms[0].get("dataActions"):
            out.append(f"{_where(d)}: no dataActions")
        if "resource_group" not in _text(d.properties.get("assignableScopes")):
            out.append(f"{_where(d)}: assignable only in this resource group")
    if not definitions:
        out.append("no ACS e-mail sender role declared")
    return out


def one_workspace_identifier(t: Template) -> list[str]:
    """Workspaces are named by resource id in every setting; only modules derive the customer id."""
    out = []
    for name in t.main.parameters:
        if "workspace" in name.lower() and name != "verificationWorkspaceIds":
            out.append(f"param {name}: name workspaces only through verificationWorkspaceIds (resource ids)")
    for call in t.main.modules():
        if (call.loop or {}).get("detail", {}).get("array_name") == "workspaceIds":
            continue  # one module per workspace id
        for pname, value in (call.body.get("params") or {}).items():
            if "workspace" in pname.lower() and '"workspaceIds"' not in _text(value):
                out.append(f"{call.symbol}.{pname} must come from verificationWorkspaceIds")
    return out


# -- issue 14, part 4: the Durable backend is a deployment choice ---------------------------------


def _switch_is_dts(t: Template, condition: Any) -> bool:
    """A module condition / ternary test that holds exactly when durableBackend is DurableTaskScheduler."""
    text = _text(t.resolve(t.main, condition) if isinstance(condition, str) else condition)
    return '"durableBackend"' in text and "DurableTaskScheduler" in text and '"equals"' in text


def durable_backend_settings(t: Template) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The Function App's app settings for each Durable backend, as the template sets them.

    The settings every deployment gets, plus (for DurableTaskScheduler) the true branch of the
    ``durableBackendSettings`` argument main.bicep passes to the Function App module.
    """
    base, out = _function_app_settings(t)
    call = next((c for c in t.main.modules() if c.target.name == "functionapp.bicep"), None)
    arg = (call.body.get("params") or {}).get("durableBackendSettings") if call else None
    ternary = (arg or {}).get("operator", {}) if isinstance(arg, dict) else {}
    operands = ternary.get("operands") or {}
    if ternary.get("type") != "conditional" or not _switch_is_dts(t, operands.get("condition")):
        return {b: dict(base) for b in DURABLE_BACKENDS}, [
            *out,
            "functionapp durableBackendSettings must be `useDurableTaskScheduler ? <settings> : {}`",
        ]
    dts = t.resolve(t.main, operands.get("true_value"))
    storage = t.resolve(t.main, operands.get("false_value"))
    if not isinstance(dts, dict) or storage != {}:
        out.append("durableBackendSettings: the DTS branch must be an object and the Azure Storage branch {}")
        dts = dts if isinstance(dts, dict) else {}
    return {"AzureStorage": dict(base), "DurableTaskScheduler": {**base, **dts}}, out


def _dts_connection_problems(dts: dict[str, Any]) -> list[str]:
    """The DTS connection string names the endpoint and the app's user-assigned identity, nothing else."""
    out = []
    if dts.get(DTS_PROVIDER_TYPE) != "azureManaged":
        out.append(f"with DTS, {DTS_PROVIDER_TYPE} must be azureManaged (else the app keeps Azure Storage)")
    name = dts.get(DTS_CONNECTION_NAME)
    connection = dts.get(str(name)) if name else None
    if not isinstance(connection, str):
        return [*out, f"{DTS_CONNECTION_NAME} must name an app setting holding the DTS connection string"]
    parts = dict(p.split("=", 1) for p in connection.split(";") if "=" in p)
    if set(parts) != {"Endpoint", "Authentication", "ClientID"}:
        out.append(f"DTS connection string must be Endpoint=;Authentication=;ClientID=, got {connection!r}")
    if parts.get("Authentication") != "ManagedIdentity":
        out.append("DTS connection string must use Authentication=ManagedIdentity (identity only, no key)")
    if parts.get("ClientID") != "${identity.outputs.clientId}":
        out.append("DTS connection string ClientID must be the app's user-assigned identity (its only one)")
    if parts.get("Endpoint") != "${durableTaskScheduler.outputs.endpoint}":
        out.append("DTS connection string Endpoint must be the created scheduler's endpoint")
    return out


def _dts_hub_problems(t: Template, dts: dict[str, Any]) -> list[str]:
    """Durable Task Data Contributor on the task hub, and the hub is the one TASKHUB_NAME names."""
    out = []
    grants, _ = _role_grants(t)
    if ("Microsoft.DurableTask/schedulers/taskHubs", DURABLE_TASK_DATA_CONTRIBUTOR) not in {
        (scope, role) for scope, role, _ in grants
    }:
        out.append("the app's identity needs Durable Task Data Contributor on the task hub")
    hubs = t.resources("Microsoft.DurableTask/schedulers/taskHubs", existing=False)
    if len(hubs) != 1:
        out.append(f"expected one Durable Task Scheduler task hub, found {len(hubs)}")
    setting = t.resolve(t.main, dts.get("TASKHUB_NAME"))
    for hub in hubs:
        created = t.resolve(hub.file, hub.body.get("name"))
        if created != setting:
            out.append(f"{_where(hub)}: task hub {created!r} is not TASKHUB_NAME ({setting!r}) the app uses")
    return out


def durable_task_scheduler_identity_only(t: Template) -> list[str]:
    """DTS is opt-in, reached with the app's identity only, granted on its task hub, named as the app says."""
    out = []
    param = t.main.parameters.get("durableBackend") or {}
    allowed = (_decorator(param, "allowed") or {}).get("argument") or []
    if tuple(allowed) != DURABLE_BACKENDS or param.get("default") != "AzureStorage":
        out.append(f"param durableBackend must allow {list(DURABLE_BACKENDS)} with default AzureStorage")
    calls = {c.target.name: c for c in t.main.modules()}
    for module in ("durable-task-scheduler.bicep", "roles-durable-task.bicep"):
        call = calls.get(module)
        if call is None:
            out.append(f"main.bicep does not use modules/{module}")
            continue
        raw = (t.main.doc.get("modules") or {})[call.symbol].get("config") or {}
        if not _switch_is_dts(t, raw.get("condition")):
            out.append(f"module {call.symbol} must be deployed only with durableBackend DurableTaskScheduler")
    by_backend, problems = durable_backend_settings(t)
    storage, dts = by_backend["AzureStorage"], by_backend["DurableTaskScheduler"]
    if DTS_PROVIDER_TYPE in storage or DTS_CONNECTION_STRING in storage:
        out.append("the Azure Storage deployment must keep host.json's provider (no DTS settings)")
    return out + problems + _dts_connection_problems(dts) + _dts_hub_problems(t, dts)


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:=([^}]*))?\}")


def azd_placeholders(path: Path) -> dict[str, str | None]:
    """Environment variables a parameter file reads, with their defaults (None: required)."""
    return {m.group(1): m.group(2) for m in _PLACEHOLDER.finditer(path.read_text())}


def azd_parameters(path: Path, env: dict[str, str]) -> dict[str, Any]:
    """Parameter values as azd resolves them: substitute ``${VAR}``/``${VAR=default}``, then parse JSON."""

    def sub(m: re.Match[str]) -> str:
        return env.get(m.group(1)) or (m.group(2) or "")

    doc = json.loads(_PLACEHOLDER.sub(sub, path.read_text()))
    return {name: p.get("value") for name, p in doc["parameters"].items()}


RULES: dict[str, Rule] = {
    "storage_identity_only": storage_identity_only,
    "public_blob_access_off": public_blob_access_off,
    "https_and_tls12": https_and_tls12,
    "roles_least_privilege": roles_least_privilege,
    "cross_scope_modules": cross_scope_modules,
    "roles_go_to_the_app_identity": roles_go_to_the_app_identity,
    "secrets_only_through_key_vault": secrets_only_through_key_vault,
    "app_settings_match_code": app_settings_match_code,
    "entry_file_setting": entry_file_setting,
    "flex_consumption_python": flex_consumption_python,
    "key_vault_rbac": key_vault_rbac,
    "excluded_auth_paths": excluded_auth_paths,
    "descriptions_everywhere": descriptions_everywhere,
    "resource_token_naming": resource_token_naming,
    "entra_app_registration": entra_app_registration,
    "key_vault_survives_soft_delete": key_vault_survives_soft_delete,
    "nothing_changes_on_reprovision": nothing_changes_on_reprovision,
    "signing_key_generated_once": signing_key_generated_once,
    "optional_modules_switched": optional_modules_switched,
    "alert_rules_structured": alert_rules_structured,
    "flex_consumption_regions": flex_consumption_regions,
    "opentelemetry_everywhere": opentelemetry_everywhere,
    "run_alerts_and_workbook": run_alerts_and_workbook,
    "email_sender_role": email_sender_role,
    "one_workspace_identifier": one_workspace_identifier,
    "durable_task_scheduler_identity_only": durable_task_scheduler_identity_only,
}


def failing_rules(t: Template) -> dict[str, list[str]]:
    """Run every rule; return the ones with violations."""
    results = {name: rule(t) for name, rule in RULES.items()}
    return {name: v for name, v in results.items() if v}
