"""Client manners, through HTTP: ETag and 304, gzip, language, nosniff, Cache-Control, CORS, Location.

What a phone, a WebView and a proxy rely on (API.md, "Client manners"), pinned on real routes.
"""

from __future__ import annotations

import gzip
import re
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import ConfigurationError, Settings
from app.main import create_app
from tests.fixtures.factories import (
    Account,
    create_demand,
    demand_payload,
    listed_product,
    published_demand,
    registration,
)

H5_ORIGIN = "https://h5.example.cn"
CJK = re.compile(r"[\u4e00-\u9fff]")
IDENTITY = {"Accept-Encoding": "identity"}


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None


def header_tokens(response: httpx.Response, name: str) -> set[str]:
    """A comma-separated header's values, lower-cased (Vary, Cache-Control, Expose-Headers)."""
    return {
        token.strip().lower()
        for value in response.headers.get_list(name)
        for token in value.split(",")
        if token.strip()
    }


def version_tag_pattern(kind: str) -> re.Pattern[str]:
    return re.compile(rf'^"{re.escape(kind)}-v(\d+)-[^"]+"$')


async def fresh_get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    response = await client.get(url, headers=headers or {})
    assert response.status_code == 200, response.text
    assert "etag" in response.headers, dict(response.headers)
    return response


async def revalidate(
    client: httpx.AsyncClient, url: str, if_none_match: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.get(url, headers={**(headers or {}), "If-None-Match": if_none_match})


def assert_not_modified(response: httpx.Response, etag: str) -> None:
    assert response.status_code == 304, response.text
    assert response.content == b""
    assert response.headers["etag"] == etag


def assert_fresh_body(response: httpx.Response, expected: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == expected.json()
    assert response.headers["etag"] == expected.headers["etag"]


async def unknown_demand(client: httpx.AsyncClient, language: str | None = None) -> httpx.Response:
    headers = {} if language is None else {"Accept-Language": language}
    response = await client.get(f"/demands/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response


async def bad_registration(client: httpx.AsyncClient, language: str | None = None) -> httpx.Response:
    headers = {} if language is None else {"Accept-Language": language}
    response = await client.post("/auth/register", json={}, headers=headers)
    assert response.status_code == 422, response.text
    return response


@pytest.fixture
async def h5_client(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that lets the H5 origin in (CORS_ORIGINS=https://h5.example.cn)."""
    app = create_app(settings.model_copy(update={"cors_origins": [H5_ORIGIN]}), sessionmaker=sessionmaker)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


class TestSingleResourceETag:
    async def test_own_demand_answers_an_etag_led_by_its_version_tag(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        response = await fresh_get(client, f"/demands/{demand['id']}", enterprise.headers)
        match = version_tag_pattern("demand").match(response.headers["etag"])
        assert match is not None, response.headers["etag"]
        assert match.group(1) == "1"

    async def test_matching_if_none_match_is_304_with_empty_body_same_etag_and_nosniff(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        etag = (await fresh_get(client, url, enterprise.headers)).headers["etag"]
        response = await revalidate(client, url, etag, enterprise.headers)
        assert_not_modified(response, etag)
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_product_answers_a_version_led_etag_and_304s(
        self, client: httpx.AsyncClient, supplier: Account, admin: Account
    ) -> None:
        product = await listed_product(client, supplier, admin)
        url = f"/products/{product['id']}"
        etag = (await fresh_get(client, url)).headers["etag"]
        assert version_tag_pattern("product").match(etag), etag
        assert_not_modified(await revalidate(client, url, etag), etag)

    async def test_organization_answers_a_version_led_etag_and_304s(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        url = f"/organizations/{enterprise.organization_id}"
        etag = (await fresh_get(client, url, enterprise.headers)).headers["etag"]
        assert version_tag_pattern("organization").match(etag), etag
        assert_not_modified(await revalidate(client, url, etag, enterprise.headers), etag)

    async def test_a_stale_tag_after_a_patch_gets_the_new_body(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        stale = (await fresh_get(client, url, enterprise.headers)).headers["etag"]
        patched = await client.patch(url, json={"title": "单晶炉更新（第二批）"}, headers=enterprise.headers)
        assert patched.status_code == 200, patched.text

        response = await revalidate(client, url, stale, enterprise.headers)
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "单晶炉更新（第二批）"
        assert response.headers["etag"] != stale
        match = version_tag_pattern("demand").match(response.headers["etag"])
        assert match is not None and match.group(1) == "2", response.headers["etag"]

    @pytest.mark.parametrize(
        "offer",
        [
            pytest.param(lambda etag: f"W/{etag}", id="weak-form-of-the-current-tag"),
            pytest.param(lambda etag: f'"nope-1", {etag}, "nope-2"', id="list-including-the-current-tag"),
            pytest.param(lambda etag: f'W/"nope-1",W/{etag}', id="weak-list-without-spaces"),
            pytest.param(lambda etag: "*", id="star"),
        ],
    )
    async def test_if_none_match_matches_weakly_lists_and_star(
        self, client: httpx.AsyncClient, enterprise: Account, offer: Callable[[str], str]
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        etag = (await fresh_get(client, url, enterprise.headers)).headers["etag"]
        assert_not_modified(await revalidate(client, url, offer(etag), enterprise.headers), etag)

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param("garbage", id="garbage"),
            pytest.param('"unterminated', id="unterminated"),
            pytest.param('"' + "a" * 3998 + '"', id="4000-characters"),
            pytest.param(",,,", id="only-commas"),
            pytest.param('"demand-v1"', id="the-bare-version-tag"),
            pytest.param('"', id="one-quote"),
        ],
    )
    async def test_non_matching_or_malformed_if_none_match_is_a_plain_200(
        self, client: httpx.AsyncClient, enterprise: Account, value: str
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        expected = await fresh_get(client, url, enterprise.headers)
        assert_fresh_body(await revalidate(client, url, value, enterprise.headers), expected)

    async def test_the_current_tag_buried_past_a_huge_header_is_still_never_a_5xx(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        etag = (await fresh_get(client, url, enterprise.headers)).headers["etag"]
        value = ", ".join(f'"x{i}"' for i in range(1000)) + f", {etag}"
        response = await revalidate(client, url, value, enterprise.headers)
        assert response.status_code in (200, 304), response.text


class TestIfMatch:
    async def test_patch_with_the_gets_etag_succeeds_and_the_old_tag_then_fails_412(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        etag = (await fresh_get(client, url, enterprise.headers)).headers["etag"]

        first = await client.patch(
            url, json={"title": "第一次修改"}, headers={**enterprise.headers, "If-Match": etag}
        )
        assert first.status_code == 200, first.text
        assert first.json()["title"] == "第一次修改"

        second = await client.patch(
            url, json={"title": "第二次修改"}, headers={**enterprise.headers, "If-Match": etag}
        )
        assert second.status_code == 412, second.text
        assert second.headers["content-type"] == "application/problem+json"
        assert second.json()["status"] == 412
        after = await client.get(url, headers=enterprise.headers)
        assert after.json()["title"] == "第一次修改"


class TestListETag:
    async def test_published_demands_page_answers_an_etag_and_304s(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        await published_demand(client, enterprise)
        etag = (await fresh_get(client, "/demands?limit=5")).headers["etag"]
        assert_not_modified(await revalidate(client, "/demands?limit=5", etag), etag)

    async def test_regions_answer_an_etag_and_304(self, client: httpx.AsyncClient) -> None:
        etag = (await fresh_get(client, "/catalog/regions")).headers["etag"]
        response = await revalidate(client, "/catalog/regions", etag)
        assert_not_modified(response, etag)
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_the_list_etag_changes_when_a_demand_is_published(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        await published_demand(client, enterprise, title="第一条需求")
        before = (await fresh_get(client, "/demands?limit=5")).headers["etag"]
        newer = await published_demand(client, enterprise, title="第二条需求")

        response = await revalidate(client, "/demands?limit=5", before)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] != before
        assert newer["id"] in [item["id"] for item in response.json()["items"]]


class TestETagPerViewer:
    async def test_owner_and_anonymous_see_different_bodies_under_different_etags(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        owner = await fresh_get(client, url, enterprise.headers)
        anonymous = await fresh_get(client, url)
        assert owner.json() != anonymous.json()  # the owner sees share_with_banks, financing…

        assert owner.headers["etag"] != anonymous.headers["etag"]
        # Same version, so both keep the version tag as their prefix.
        assert version_tag_pattern("demand").match(owner.headers["etag"])
        assert version_tag_pattern("demand").match(anonymous.headers["etag"])
        # The owner's cached view is never confirmed to an anonymous reader.
        assert_fresh_body(await revalidate(client, url, owner.headers["etag"]), anonymous)


class TestGzip:
    async def test_a_big_body_is_gzipped_when_asked_and_decodes_to_the_same_json(
        self, client: httpx.AsyncClient
    ) -> None:
        plain = await client.get("/catalog/equipment-categories", headers=IDENTITY)
        assert plain.status_code == 200
        assert len(plain.content) > 1024

        zipped = await client.get("/catalog/equipment-categories", headers={"Accept-Encoding": "gzip"})
        assert zipped.status_code == 200
        assert zipped.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in header_tokens(zipped, "vary")
        assert zipped.json() == plain.json()
        assert zipped.num_bytes_downloaded < plain.num_bytes_downloaded
        assert zipped.num_bytes_downloaded < len(zipped.content)

    async def test_the_raw_bytes_are_gzip(self, client: httpx.AsyncClient) -> None:
        async with client.stream(
            "GET", "/catalog/equipment-categories", headers={"Accept-Encoding": "gzip"}
        ) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        assert raw[:2] == b"\x1f\x8b"
        plain = await client.get("/catalog/equipment-categories", headers=IDENTITY)
        assert gzip.decompress(raw) == plain.content
        assert len(raw) < len(plain.content)

    async def test_nothing_is_compressed_without_accept_encoding(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/equipment-categories", headers=IDENTITY)
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert response.num_bytes_downloaded == len(response.content)

    async def test_a_small_body_is_not_compressed_even_when_gzip_is_accepted(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert len(response.content) < 1024
        assert "content-encoding" not in response.headers

    async def test_the_etag_is_the_same_under_both_encodings(self, client: httpx.AsyncClient) -> None:
        zipped = await fresh_get(client, "/catalog/equipment-categories", {"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        plain = await fresh_get(client, "/catalog/equipment-categories", IDENTITY)
        assert zipped.headers["etag"] == plain.headers["etag"]

    @pytest.mark.parametrize("encoding", ["gzip", "identity"])
    async def test_a_304_has_no_body_either_way(self, client: httpx.AsyncClient, encoding: str) -> None:
        url = "/catalog/equipment-categories"
        etag = (await fresh_get(client, url, {"Accept-Encoding": encoding})).headers["etag"]
        response = await revalidate(client, url, etag, {"Accept-Encoding": encoding})
        assert_not_modified(response, etag)
        assert response.num_bytes_downloaded == 0


class TestLanguage:
    async def test_a_problem_is_chinese_by_default(self, client: httpx.AsyncClient) -> None:
        zh = await unknown_demand(client)
        en = await unknown_demand(client, "en")
        assert zh.headers["content-language"] == "zh"
        assert has_cjk(zh.json()["title"]), zh.json()
        assert has_cjk(zh.json()["detail"]), zh.json()
        assert zh.json()["title"] != en.json()["title"]
        assert zh.json()["detail"] != en.json()["detail"]

    async def test_an_unknown_route_is_chinese_by_default(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/no/such/route")
        assert response.status_code == 404
        assert response.headers["content-language"] == "zh"
        assert has_cjk(response.json()["title"])
        assert has_cjk(response.json()["detail"])

    async def test_english_when_asked(self, client: httpx.AsyncClient) -> None:
        response = await unknown_demand(client, "en")
        assert response.headers["content-language"] == "en"
        assert not has_cjk(response.json()["title"])
        assert not has_cjk(response.json()["detail"])

    async def test_validation_problem_is_chinese_by_default_down_to_each_msg(
        self, client: httpx.AsyncClient
    ) -> None:
        zh = await bad_registration(client)
        en = await bad_registration(client, "en")
        assert zh.headers["content-language"] == "zh"
        body = zh.json()
        assert has_cjk(body["title"]) and has_cjk(body["detail"]), body
        assert body["title"] != en.json()["title"]
        assert body["detail"] != en.json()["detail"]
        assert body["errors"], body
        for error in body["errors"]:
            assert has_cjk(error["msg"]), error
        missing = [e for e in body["errors"] if e["type"] == "missing"]
        assert missing, body
        assert {e["msg"] for e in missing} == {"缺少必填字段"}

    async def test_validation_problem_in_english_when_asked(self, client: httpx.AsyncClient) -> None:
        response = await bad_registration(client, "en")
        assert response.headers["content-language"] == "en"
        body = response.json()
        assert not has_cjk(body["title"]) and not has_cjk(body["detail"]), body
        for error in body["errors"]:
            assert not has_cjk(error["msg"]), error
        assert "Field required" in {e["msg"] for e in body["errors"]}

    @pytest.mark.parametrize(
        ("accept_language", "language"),
        [
            ("en-US,en;q=0.9", "en"),
            ("EN", "en"),
            ("fr-FR", "zh"),
            ("en;q=0.2, zh-CN;q=0.8", "zh"),
            ("zh-CN;q=0.3, en;q=0.7", "en"),
            ("fr-FR, en;q=0.5", "en"),
            ("en;q=0", "zh"),
            ("zh-Hans-CN", "zh"),
        ],
    )
    async def test_accept_language_is_negotiated(
        self, client: httpx.AsyncClient, accept_language: str, language: str
    ) -> None:
        response = await unknown_demand(client, accept_language)
        reference = await unknown_demand(client, language)
        assert response.headers["content-language"] == language
        assert response.json()["title"] == reference.json()["title"]
        assert response.json()["detail"] == reference.json()["detail"]

    @pytest.mark.parametrize(
        "accept_language",
        [
            pytest.param(";;;q=", id="semicolons"),
            pytest.param("en;q=abc", id="bad-q"),
            pytest.param("en;q=-1, zh;q=2", id="q-out-of-range"),
            pytest.param(",,,", id="only-commas"),
            pytest.param(("en-US;q=0.5, " * 200)[:2000], id="2000-characters"),
            pytest.param("x" * 2000, id="2000-characters-one-tag"),
        ],
    )
    async def test_a_malformed_accept_language_is_never_a_5xx(
        self, client: httpx.AsyncClient, accept_language: str
    ) -> None:
        response = await client.get(f"/demands/{uuid.uuid4()}", headers={"Accept-Language": accept_language})
        assert response.status_code == 404, response.text
        language = response.headers["content-language"]
        assert language in ("zh", "en")
        # The body speaks the language the header says.
        reference = await unknown_demand(client, language)
        assert response.json()["title"] == reference.json()["title"]

    async def test_a_malformed_accept_language_on_a_200_is_never_a_5xx(
        self, client: httpx.AsyncClient
    ) -> None:
        for value in (";;;q=", "en;q=abc", "q" * 2000):
            response = await client.get("/catalog/regions", headers={"Accept-Language": value})
            assert response.status_code == 200, (value, response.text)

    async def test_catalog_names_stay_chinese_in_english(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/regions", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        assert response.headers["content-language"] == "en"
        assert "成都市" in {region["name"] for region in response.json()["items"]}

    async def test_a_401_without_a_token_is_chinese_by_default(self, client: httpx.AsyncClient) -> None:
        zh = await client.get("/me/demands")
        en = await client.get("/me/demands", headers={"Accept-Language": "en"})
        assert zh.status_code == en.status_code == 401
        assert zh.headers["content-language"] == "zh"
        assert has_cjk(zh.json()["title"]) and has_cjk(zh.json()["detail"]), zh.json()
        assert not has_cjk(en.json()["title"]) and not has_cjk(en.json()["detail"]), en.json()

    async def test_responses_vary_on_accept_language(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/regions")
        assert "accept-language" in header_tokens(response, "vary")


class TestNosniff:
    async def test_a_200(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await unknown_demand(client)
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_405(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/catalog/regions")
        assert response.status_code == 405
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_422(self, client: httpx.AsyncClient) -> None:
        response = await bad_registration(client)
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_304(self, client: httpx.AsyncClient) -> None:
        etag = (await fresh_get(client, "/catalog/regions")).headers["etag"]
        response = await revalidate(client, "/catalog/regions", etag)
        assert response.status_code == 304
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me/demands")
        assert response.status_code == 401
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_gzipped_200(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/equipment-categories", headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_refused_preflight(self, h5_client: httpx.AsyncClient) -> None:
        response = await h5_client.options(
            "/demands",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert 400 <= response.status_code < 500
        assert response.headers["x-content-type-options"] == "nosniff"


class TestCacheControl:
    async def test_an_authenticated_get_is_private(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        response = await client.get(f"/demands/{demand['id']}", headers=enterprise.headers)
        assert response.status_code == 200
        tokens = header_tokens(response, "cache-control")
        assert "private" in tokens or "no-store" in tokens, tokens
        assert "public" not in tokens

    async def test_an_authenticated_list_is_private(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        response = await client.get("/me/demands", headers=enterprise.headers)
        assert response.status_code == 200
        assert header_tokens(response, "cache-control") == {"private", "no-cache"}

    async def test_an_authenticated_problem_is_private(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        response = await client.get(f"/demands/{uuid.uuid4()}", headers=enterprise.headers)
        assert response.status_code == 404
        assert "private" in header_tokens(response, "cache-control")

    async def test_an_authenticated_304_stays_private(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await create_demand(client, enterprise)
        url = f"/demands/{demand['id']}"
        etag = (await fresh_get(client, url, enterprise.headers)).headers["etag"]
        response = await revalidate(client, url, etag, enterprise.headers)
        assert response.status_code == 304
        assert "private" in header_tokens(response, "cache-control")

    async def test_an_anonymous_get_is_no_cache_never_public(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        for url in (f"/demands/{demand['id']}", "/demands?limit=5"):
            response = await client.get(url)
            assert response.status_code == 200
            assert response.headers["cache-control"] == "no-cache", url

    async def test_an_anonymous_problem_is_no_cache(self, client: httpx.AsyncClient) -> None:
        response = await unknown_demand(client)
        assert response.headers["cache-control"] == "no-cache"


class TestCORS:
    async def test_a_preflight_from_an_allowed_origin_is_answered_without_credentials(
        self, h5_client: httpx.AsyncClient
    ) -> None:
        response = await h5_client.options(
            "/demands",
            headers={
                "Origin": H5_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
            },
        )
        assert response.status_code == 200, response.text
        assert response.headers["access-control-allow-origin"] == H5_ORIGIN
        assert response.headers.get("access-control-allow-credentials") != "true"
        assert "post" in header_tokens(response, "access-control-allow-methods")
        assert {"authorization", "content-type", "idempotency-key"} <= header_tokens(
            response, "access-control-allow-headers"
        )

    async def test_a_simple_get_from_an_allowed_origin_exposes_etag_location_and_retry_after(
        self, h5_client: httpx.AsyncClient
    ) -> None:
        response = await h5_client.get("/catalog/regions", headers={"Origin": H5_ORIGIN})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == H5_ORIGIN
        assert {"etag", "location", "retry-after"} <= header_tokens(response, "access-control-expose-headers")
        assert "origin" in header_tokens(response, "vary")

    async def test_a_preflight_from_another_origin_is_a_problem_without_allow_origin(
        self, h5_client: httpx.AsyncClient
    ) -> None:
        response = await h5_client.options(
            "/demands",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
        assert "access-control-allow-origin" not in response.headers

    async def test_a_simple_get_from_another_origin_gets_no_allow_origin(
        self, h5_client: httpx.AsyncClient
    ) -> None:
        response = await h5_client.get("/catalog/regions", headers={"Origin": "https://evil.example"})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers

    async def test_without_cors_origins_nobody_gets_cross_origin_access(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/catalog/regions", headers={"Origin": H5_ORIGIN})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
        preflight = await client.options(
            "/demands", headers={"Origin": H5_ORIGIN, "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in preflight.headers

    def test_cors_origins_are_read_comma_separated(self) -> None:
        settings = Settings(_env_file=None, cors_origins="https://h5.example.cn, http://localhost:5173/")
        assert settings.cors_origins == ["https://h5.example.cn", "http://localhost:5173"]

    def test_a_cors_origin_that_is_not_an_origin_is_a_configuration_error(self) -> None:
        with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
            Settings(_env_file=None, cors_origins="h5.example.cn")


class TestLocation:
    async def test_creating_a_demand_answers_its_location_and_a_replay_repeats_it(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        headers = {**enterprise.headers, "Idempotency-Key": f"demand-{uuid.uuid4()}"}
        first = await client.post("/demands", json=demand_payload(), headers=headers)
        assert first.status_code == 201, first.text
        assert first.headers["location"] == f"/api/v1/demands/{first.json()['id']}"
        assert "idempotent-replayed" not in first.headers

        replay = await client.post("/demands", json=demand_payload(), headers=headers)
        assert replay.status_code == 201, replay.text
        assert replay.headers["location"] == first.headers["location"]
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == first.json()["id"]

    async def test_the_location_of_a_created_demand_can_be_fetched(
        self, client: httpx.AsyncClient, enterprise: Account
    ) -> None:
        created = await client.post("/demands", json=demand_payload(), headers=enterprise.headers)
        assert created.status_code == 201, created.text
        path = created.headers["location"].removeprefix("/api/v1")
        fetched = await client.get(path, headers=enterprise.headers)
        assert fetched.status_code == 200
        assert fetched.json()["id"] == created.json()["id"]

    async def test_registering_answers_the_new_organizations_location(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/auth/register", json=registration("enterprise"))
        assert response.status_code == 201, response.text
        organization_id = response.json()["organization"]["id"]
        assert response.headers["location"] == f"/api/v1/organizations/{organization_id}"
