"""IPAM pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "coming_soon.html", {"area": "IPAM"})


def search(request: HttpRequest) -> HttpResponse:
    return render(request, "coming_soon.html", {"area": "Search"})
