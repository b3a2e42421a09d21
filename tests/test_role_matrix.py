"""What each role in an organization may do, route by route: the table below is the policy (README,
"Teams"), and every route's declared requirement must equal it. A new route fails here until it is
placed. Behaviour under each role is exercised in tests/teams/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

# operation_id -> the least role that may call it ("public": no token; "any": any logged-in member; a
# role checked inside the service for some states is written "member/manager").
POLICY: dict[str, str] = {
    "healthz": "public",
    "readyz": "public",
    "list_regions": "public",
    "list_industries": "public",
    "list_equipment_categories": "public",
    "list_task_types": "public",
    "list_financing_types": "public",
    "list_enum_labels": "public",
    "register": "public",
    "login": "public",
    "refresh_token": "public",
    "logout": "public",  # with a refresh token in the body; a bearer token without one
    "logout_everywhere": "any",
    "change_password": "any",
    "request_password_reset": "public",
    "confirm_password_reset": "public",
    "verify_email": "public",
    "resend_email_verification": "any",
    "list_my_sessions": "any",
    "revoke_my_session": "any",
    "add_phone": "any",
    "verify_phone": "any",
    "remove_phone": "any",
    "request_sms_login_code": "public",
    "sms_login": "public",
    "upload_demand_attachment": "any/manager",  # a draft's files: any member's; else a manager's
    "upload_product_attachment": "any/manager",
    "upload_quote_attachment": "any/manager",
    "upload_organization_attachment": "any/manager",
    "list_demand_attachments": "public",
    "list_product_attachments": "public",
    "list_quote_attachments": "public",
    "list_organization_attachments": "public",
    "download_attachment": "public",
    "download_attachment_thumbnail": "public",
    "delete_attachment": "any/manager",
    "upload_conversation_attachment": "any/manager",
    "list_conversation_attachments": "public",  # the thread's two sides only (service)
    "start_conversation": "any",  # vetted suppliers, providers, banks with a lead (service)
    "list_conversations": "any",
    "get_conversation": "any",
    "list_conversation_messages": "any",
    "post_conversation_message": "any",
    "read_conversation": "any",
    "close_conversation": "any/manager",
    "read_conversation_audited": "member",  # admins only (kind)
    "get_me": "any",
    "get_organization": "public",
    "update_organization": "manager",
    "list_vetting_decisions": "any",
    "list_members": "any",
    "update_member": "owner",
    "remove_member": "any",  # leaving is anyone's; removing another is the owner's (service)
    "transfer_ownership": "owner",
    "create_invitation": "owner",
    "list_invitations": "owner",
    "revoke_invitation": "owner",
    "resend_invitation": "owner",
    "accept_invitation": "public",
    "list_providers": "public",
    "create_demand": "member",
    "list_demands": "public",
    "list_my_demands": "member",
    "get_demand": "public",
    "close_demand": "manager",
    "complete_demand": "manager",
    "update_demand": "any/manager",  # a draft is a member's; a published demand a manager's
    "publish_demand": "manager",
    "create_product": "member",
    "list_products": "public",
    "list_my_products": "member",
    "get_product": "public",
    "update_product": "any/manager",
    "submit_product": "manager",
    "withdraw_product": "manager",
    "create_financing_product": "manager",
    "list_financing_products": "public",
    "list_my_financing_products": "member",
    "get_financing_product": "public",
    "update_financing_product": "manager",
    "create_quote": "manager",
    "list_demand_quotes": "any",
    "list_my_quotes": "member",
    "get_quote": "any",
    "accept_quote": "manager",
    "decline_quote": "manager",
    "withdraw_quote": "manager",
    "search_demands": "public",
    "search_products": "public",
    "search_providers": "public",
    "search_financing_products": "public",
    "list_demand_matches": "any",
    "give_match_feedback": "any",
    "list_product_matching_demands": "any",
    "list_policies": "public",
    "create_lead_subscription": "manager",
    "list_lead_subscriptions": "member",
    "get_lead_subscription": "member",
    "update_lead_subscription": "manager",
    "delete_lead_subscription": "manager",
    "rotate_lead_subscription_secret": "manager",
    "list_webhook_deliveries": "member",
    "replay_webhook_delivery": "manager",
    "list_leads": "member",
    "get_lead": "member",
    "update_lead_status": "manager",
    "list_demand_leads": "member",
    "accept_lead_interest": "manager",
    "create_saved_search": "manager",
    "list_saved_searches": "member",
    "delete_saved_search": "manager",
    "list_notifications": "any",
    "count_unread_notifications": "any",
    "read_all_notifications": "any",
    "read_notification": "any",
    "stream_notifications": "any",
    "get_vetting_queue": "member",  # admins only (kind), any admin
    "decide_organization_vetting": "member",
    "review_product": "member",
    "get_admin_dashboard": "member",
    "export_list": "member",
    "import_list": "member",
    "get_stats_overview": "member",
    "create_gov_organization": "member",  # admins only (kind)
    "assign_operator": "member",  # admins only (kind)
    "set_pilot_county": "member",  # admins and province operators (scope)
    "get_audit_log": "member",  # admins and province operators (scope)
    "update_enterprise_profile": "any/manager",  # the enterprise's managers, or an operator of its region
    "confirm_enterprise_profile": "member",  # operators of its region (scope)
    "list_equipment": "any",  # the enterprise's members, operators of its region (service)
    "create_equipment": "any",
    "update_equipment": "any",
    "delete_equipment": "any",
    "import_equipment": "any",
    "open_diagnosis": "member",  # operators (scope)
    "list_diagnoses": "any",  # an operator's region, an enterprise's own (service)
    "get_diagnosis": "any",
    "update_diagnosis": "member",  # operators (scope)
    "record_diagnosis_visit": "member",
    "add_plan_item": "member",
    "deliver_plan": "member",
    "accept_plan_item": "any/manager",  # the enterprise's managers (service)
    "decline_plan_item": "any/manager",
    "add_expert": "member",  # operators (scope)
    "list_experts": "member",
    "get_service_settings": "member",
    "put_service_settings": "member",
    "request_expert_review": "member",
    "list_my_expert_reviews": "any",  # the caller's own, as an expert
    "give_expert_opinion": "any",  # the assigned expert (service)
    "create_policy": "member",  # province and 市州 operators (scope)
    "get_policy": "public",
    "update_policy": "member",
    "submit_policy_application": "any/manager",  # the enterprise's managers (service)
    "list_policy_applications": "any",  # an operator's region, an enterprise's own
    "get_policy_application": "any",
    "advance_policy_application": "member",  # operators of the right level (scope)
    "get_stats_coverage": "member",  # operators (scope)
}
# Role checks made inside the service, for what the route alone cannot tell.
IN_SERVICE = {
    "update_demand",
    "update_product",
    "upload_demand_attachment",
    "upload_product_attachment",
    "upload_quote_attachment",
    "upload_organization_attachment",
    "delete_attachment",
    "upload_conversation_attachment",
    "close_conversation",
    "update_enterprise_profile",
    "accept_plan_item",
    "decline_plan_item",
    "submit_policy_application",
}


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _declared(route: APIRoute) -> str:
    calls = list(_calls(route.dependant))
    declared = [str(c.required_role) for c in calls if hasattr(c, "required_role")]
    if declared:
        return max(declared, key=["member", "manager", "owner"].index)
    names = {getattr(c, "__name__", "") for c in calls}
    return "any" if "_principal" in names else "public"


def test_every_route_declares_the_role_the_policy_gives_it(app: FastAPI) -> None:
    routes = {str(route.operation_id): route for route in _routes(app.routes)}
    assert set(routes) == set(POLICY), (
        f"unplaced: {set(routes) - set(POLICY)}; stale: {set(POLICY) - set(routes)}"
    )
    wrong = {}
    for operation_id, route in routes.items():
        expected = POLICY[operation_id]
        if operation_id in IN_SERVICE:
            expected = expected.split("/")[0]
        if _declared(route) != expected:
            wrong[operation_id] = (_declared(route), expected)
    assert wrong == {}
