"""Sensor devices in the API: list, change (name, move, enable/disable) and delete."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request
from pydantic import BaseModel

from farm.api import doc, json_body, listing, plain
from farm.db import request_session
from farm.inputs.sensors import DeviceChange
from farm.models.sensors import Device
from farm.permissions import allow
from farm.services import devices

bp = Blueprint("devices", __name__)


class DeviceOut(BaseModel):
    code: str
    name: str
    greenhouse: str
    enabled: bool
    online: bool
    last_seen_at: datetime | None
    message_count: int
    reject_count: int


def device_json(device: Device) -> dict:
    return {"code": device.code, "name": device.name, "greenhouse": device.greenhouse.code,
            "enabled": device.enabled, "online": devices.is_online(device), "last_seen_at": device.last_seen_at,
            "message_count": device.message_count, "reject_count": device.reject_count}


@bp.get("/devices")
@allow("park.read")
@doc("Sensor devices with their greenhouse, online state, last seen time and message counts", response=DeviceOut,
     many=True, tag="sensors", query={"greenhouse": "only this greenhouse's devices"})
def list_devices():
    return listing(devices.list_devices(request_session(), request.args.get("greenhouse")), device_json)


@bp.get("/devices/<code>")
@allow("park.read")
@doc("One device", response=DeviceOut, tag="sensors")
def detail(code: str):
    return jsonify(plain(device_json(devices.get_device(request_session(), code))))


@bp.patch("/devices/<code>")
@allow("sensors.manage")
@doc("Name, move, enable or disable a device (a disabled device's messages become rejects)", body=DeviceChange,
     response=DeviceOut, tag="sensors")
def change(code: str):
    db = request_session()
    device = devices.update_device(db, code, json_body(DeviceChange))
    db.commit()
    return jsonify(plain(device_json(device)))


@bp.delete("/devices/<code>")
@allow("sensors.manage")
@doc("Delete a device and its readings; it registers again if it sends", tag="sensors", status=204)
def remove(code: str):
    db = request_session()
    devices.delete_device(db, code)
    db.commit()
    return "", 204
