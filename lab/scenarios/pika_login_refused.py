"""pika with a wrong password: the broker answers Start-Ok with Connection.Close 403 ACCESS_REFUSED."""
import pika
try:
    pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=4,
        credentials=pika.PlainCredentials('guest', 'wrong-password'),
        client_properties={'connection_name': 'pika-login-refused'}))
except Exception as e:
    print('refused:', repr(e))
