"""placeholder"""
def claims():
    return ()
