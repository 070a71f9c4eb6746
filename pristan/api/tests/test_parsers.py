"""A body that fails to parse is a 400 in the one error shape and the request's language, never a
server error: 100,000 nested `[` made `json.load` raise RecursionError through DRF's parser (a 500)."""

API = "/api/v1"
JSON = "application/json"


def test_a_deeply_nested_json_body_is_a_400(ana, api_as):
    client = api_as(ana)
    client.raise_request_exception = False
    for body in ("[" * 100_000, '{"a":' * 100_000):
        response = client.post(f"{API}/cases/", body, content_type=JSON)
        assert response.status_code == 400
        assert response.json() == {
            "errors": {"detail": ["The body of this request nests lists or objects deeper than Pristan reads."]}
        }


def test_json_that_does_not_parse_is_a_translated_400(ana, api_as):
    response = api_as(ana).post(f"{API}/cases/", "{not json", content_type=JSON)
    assert response.status_code == 400
    [message] = response.json()["errors"]["detail"]
    assert message.startswith("The body of this request is not valid JSON: ")


def test_a_broken_multipart_body_is_a_translated_400(ana, api_as):
    response = api_as(ana).generic("POST", f"{API}/imports/", b"--x\r\n", content_type="multipart/form-data; boundary=")
    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["detail"]
    assert message.startswith("The body of this request is not a valid multipart form: ")


def test_a_json_body_of_ordinary_depth_still_parses(ana, api_as, sofia):
    response = api_as(ana).post(f"{API}/cases/", {"office": [[[["SOF"]]]]}, content_type=JSON)
    assert response.status_code == 400
    assert "office" in response.json()["errors"]
