#!/usr/bin/env python3
"""Seed N roles (and N users with one access key each) straight into a stopped Rolegate's
SQLite database, in the stored record format, to measure that per-request cost does not grow
with the number of entities.

  python3 bench/seed_roles.py DATA_DIR/rolegate.db ACCOUNT_ID N
"""
import json
import sqlite3
import sys
import time

db, account, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})
now = int(time.time())
con = sqlite3.connect(db)
rows = []
for i in range(n):
    name = f"seed-role-{i:06d}"
    role = {"name": name, "id": f"AROASEED{i:013d}", "path": "/seed/", "created": now, "trust": trust, "description": None,
            "max_session_duration": 3600, "boundary": None, "tags": [], "inline": {}, "attached": [], "instance_profiles": [], "last_used": None}
    rows.append((account, "role", name, 1, json.dumps(role)))
    uname = f"seed-user-{i:06d}"
    kid = f"AKIASEED{i:012d}"
    user = {"name": uname, "id": f"AIDASEED{i:013d}", "path": "/seed/", "created": now, "tags": [], "boundary": None, "inline": {},
            "attached": [], "groups": [], "access_keys": [kid]}
    rows.append((account, "user", uname, 1, json.dumps(user)))
    key = {"id": kid, "account": account, "owner": {"type": "user", "name": uname, "id": user["id"]}, "secret": f"seed-secret-{i:028d}",
           "active": True, "created": now, "last_used": None}
    rows.append(("", "access-key", kid, 1, json.dumps(key)))
con.executemany("INSERT OR IGNORE INTO records (scope, kind, key, version, data) VALUES (?, ?, ?, ?, ?)", rows)
con.commit()
print(f"seeded {n} roles, {n} users, {n} access keys", file=sys.stderr)
