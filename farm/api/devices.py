"""Sensor devices in the API: list, change (name, move, enable/disable) and delete."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, request
from pydantic import model_validator

from farm.api import Code, Out, doc, json_body, listing, out, view
from farm.db import request_session
from farm.inputs.sensors import DeviceChange
from farm.permissions import allow
from farm.services import devices

bp = Blueprint("devices", __name__)


class DeviceOut(Out):
    code: str
    name: str
    greenhouse: Code
    enabled: bool
    online: bool
    last_seen_at: datetime | None
    message_count: int
    reject_count: int

    @model_validator(mode="before")
    @classmethod
    def _online(cls, device):
        """Online as the service judges it (a recent message, or the device's own word), by the one setting."""
        if "online_judge" not in g:
            g.online_judge = devices.online_judge(request_session())
        return view(device, online=g.online_judge(device))


@bp.get("/devices")
@allow("park.read")
@doc("Sensor devices with their greenhouse, online state, last seen time and message counts", response=DeviceOut,
     many=True, tag="sensors", query={"greenhouse": "only this greenhouse's devices"})
def list_devices():
    return listing(devices.list_devices(request_session(), request.args.get("greenhouse")), DeviceOut)


@bp.get("/devices/<code>")
@allow("park.read")
@doc("One device", response=DeviceOut, tag="sensors")
def detail(code: str):
    return out(DeviceOut, devices.get_device(request_session(), code))


@bp.patch("/devices/<code>")
@allow("sensors.manage")
@doc("Name, move, enable or disable a device (a disabled device's messages become rejects)", body=DeviceChange,
     response=DeviceOut, tag="sensors")
def change(code: str):
    db = request_session()
    device = devices.update_device(db, code, json_body(DeviceChange))
    db.commit()
    return out(DeviceOut, device)


@bp.delete("/devices/<code>")
@allow("sensors.manage")
@doc("Delete a device and its readings; it registers again if it sends", tag="sensors", status=204)
def remove(code: str):
    db = request_session()
    devices.delete_device(db, code)
    db.commit()
    return "", 204
