-- One database per agency: agencies share no tables.
CREATE DATABASE healthcare_security OWNER fundlink;
CREATE DATABASE hs_center OWNER fundlink;
CREATE DATABASE finance OWNER fundlink;
CREATE DATABASE tax OWNER fundlink;
CREATE DATABASE health_commission OWNER fundlink;
CREATE DATABASE public_security OWNER fundlink;
CREATE DATABASE market_regulation OWNER fundlink;
