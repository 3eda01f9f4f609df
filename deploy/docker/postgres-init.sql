-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d):
-- one database per service, as `carecoord infra up` makes locally (each service owns
-- its database; the server is shared). Each service migrates its own schema at start.
CREATE DATABASE referrals;
CREATE DATABASE care_plans;
CREATE DATABASE mdt;
CREATE DATABASE portal;
