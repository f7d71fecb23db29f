"""The demo: two simulated agencies and a stream of sample petitions through the real API.

Sample petitions are invented (no real person); each has a stable ``client_ref`` so that after a
crash and a restart the stream resubmits the same petitions instead of new ones.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.errors import Conflict
from gateway.runtime.http import BackgroundServer
from gateway.service import admin
from gateway.service.services import Services
from gateway.simulator.agency import Behaviour, SimulatedAgency
from signing import TrustStore, Verifier, XmlSigner, load_key_pair

log = logging.getLogger("gateway.demo")

AGENCIES = (
    ("000.00.00.G17", "Bộ Xây dựng"),
    ("000.00.00.G18", "Bộ Y tế"),
)

SAMPLES = (
    (
        "conduct",
        "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ bị kéo dài",
        "Hồ sơ xin cấp phép xây dựng nộp từ ba tháng trước, quá thời hạn giải quyết nhưng chưa có "
        "kết quả và không được thông báo lý do.",
        0,
    ),
    (
        "policy",
        "Quy định về điều kiện kinh doanh dịch vụ xét nghiệm chưa phù hợp",
        "Đề nghị xem xét lại yêu cầu về diện tích tối thiểu đối với phòng xét nghiệm tư nhân tại "
        "địa bàn nông thôn.",
        1,
    ),
    (
        "proposal",
        "Kiến nghị số hóa hồ sơ cấp phép xây dựng",
        "Đề xuất cho phép nộp bản vẽ thiết kế dưới dạng điện tử có chữ ký số thay cho bản giấy.",
        0,
    ),
    (
        "conduct",
        "Cán bộ yêu cầu bổ sung giấy tờ không có trong quy định",
        "Khi làm thủ tục cấp chứng chỉ hành nghề, cán bộ tiếp nhận yêu cầu nộp thêm giấy xác nhận "
        "không có trong thành phần hồ sơ đã công bố.",
        1,
    ),
    (
        "policy",
        "Mâu thuẫn giữa hai thông tư về định mức chi phí xây dựng",
        "Hai văn bản hướng dẫn quy định khác nhau về cách tính chi phí quản lý dự án, gây khó khăn "
        "cho doanh nghiệp khi lập dự toán.",
        0,
    ),
    (
        "proposal",
        "Đề xuất đặt lịch khám bệnh trực tuyến thống nhất",
        "Kiến nghị xây dựng một cổng đặt lịch khám dùng chung cho các bệnh viện công lập.",
        1,
    ),
)


@dataclass
class DemoAgency:
    simulator: SimulatedAgency
    server: BackgroundServer


def sample_petition(i: int) -> dict[str, object]:
    category, title, content, agency = SAMPLES[i % len(SAMPLES)]
    return {
        "category": category,
        "title": f"{title} (mẫu {i + 1})",
        "content": content,
        "petitioner": {
            "kind": "citizen" if i % 3 else "business",
            "name": f"Người phản ánh mẫu {i + 1}",
            "phone": "0900000000",
            "email": f"mau{i + 1}@example.vn",
            "address": "Hà Nội",
        },
        "portal": "nguoidan" if i % 3 else "doanhnghiep",
        "client_ref": f"demo-{i + 1:04d}",
        "route_to": [AGENCIES[agency][0]],
    }


def start_agencies(
    svc: Services,
    *,
    first_port: int | None,
    delay: float,
    stop: threading.Event,
    gateway_url: str,
) -> list[DemoAgency]:
    """Register the demo agencies, issue their certificates, start their simulators (which
    push their statuses and replies to ``gateway_url``)."""
    from gateway.bootstrap import dev_pki

    pki = dev_pki(svc.settings)
    trust = TrustStore.from_pem_files((pki.ca_path,))
    agencies = []
    for i, (organ_id, name) in enumerate(AGENCIES):
        with contextlib.suppress(Conflict):  # already registered by an earlier run
            admin.add_agency(svc, organ_id, name, actor="demo")
        key_path, cert_path = pki.issue(organ_id, name)
        simulator = SimulatedAgency(
            organ_id,
            name,
            signer=XmlSigner(load_key_pair(key_path, cert_path)),
            verifier=Verifier(trust),
            gateway_url=gateway_url,
            state_path=Path(svc.settings.home) / "simulators" / f"{organ_id}.db",
            behaviour=Behaviour(delay=delay),
            gateway_organ_id=svc.organ_id,
        )
        port = 0 if first_port is None else first_port + i
        server = BackgroundServer(
            simulator.app(), "127.0.0.1", port, name=f"simulator {organ_id}"
        ).start()
        admin.ensure_adapter(svc, organ_id, "rest", {"url": f"{server.url}/edxml"}, actor="demo")
        threading.Thread(
            target=simulator.run_pusher, args=(stop,), daemon=True, name=f"pusher-{organ_id}"
        ).start()
        agencies.append(DemoAgency(simulator, server))
    return agencies


def stream_petitions(
    api_url: str, token: str, count: int, interval: float, stop: threading.Event
) -> None:
    """Submit sample petitions through the HTTP API, as a portal would (count 0 = until
    stopped); ``token`` is the operator token (gateway.api.auth)."""
    with httpx.Client(
        base_url=api_url, timeout=10.0, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        i = 0
        while not stop.is_set() and (count == 0 or i < count):
            try:
                response = client.post("/v1/petitions", json=sample_petition(i))
                if response.status_code not in (200, 201):
                    log.warning(
                        "sample petition %d refused: %s", i + 1, response.json().get("code")
                    )
                i += 1
            except httpx.HTTPError as e:
                log.warning("API not reachable yet (%s); retrying", type(e).__name__)
                stop.wait(1.0)
                continue
            stop.wait(interval)
