"""Domain layer: stdlib-only value types and the error tree shared by every layer.

Nothing here imports a framework or another flexledger layer; every other layer may
import it. Money and quantities are `Decimal`, instants are UTC-aware `datetime`.
"""
