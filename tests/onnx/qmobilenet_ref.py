"""Golden for test_onnx_qmobilenet: evaluates mobilenetv2-12-int8.onnx with
the ONNX / ONNX Runtime integer formulas (int accumulators, f32 multiplier,
round half to even, saturate) in numpy/torch float64, on grace_hopper with
torchvision's ImageNet preprocessing. Usage: qmobilenet_ref.py DATA_DIR OUT.npy IN.npy
(IN.npy receives the preprocessed input, so that the logits can be compared
on the very same input.)
"""
import sys
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image
import torchvision.transforms as T
m=onnx.load(sys.argv[1] + '/models/mobilenetv2-12-int8.onnx')
env={i.name:numpy_helper.to_array(i) for i in m.graph.initializer}
img=Image.open(sys.argv[1] + '/images/torchvision/grace_hopper_517x606.jpg').convert('RGB')
x=T.Compose([T.Resize(256),T.CenterCrop(224),T.ToTensor(),T.Normalize([0.485,0.456,0.406],[0.229,0.224,0.225])])(img)[None].numpy()
env['input']=x
np.save(sys.argv[3], x.astype(np.float32))
f32=np.float32
def q(v,s,z):
    dt=z.dtype; lo,hi=(0,255) if dt==np.uint8 else (-128,127)
    return np.clip(np.rint(v)+z.astype(f32), lo,hi).astype(dt)
for n in m.graph.node:
    I=[env.get(i) if i else None for i in n.input]; a={t.name:onnx.helper.get_attribute_value(t) for t in n.attribute}
    op=n.op_type
    if op=='QuantizeLinear': y=q(I[0].astype(f32)/I[1],I[1],I[2])
    elif op=='DequantizeLinear': y=((I[0].astype(np.int32)-I[2].astype(np.int32)).astype(f32)*I[1])
    elif op=='QLinearConv':
        xx=torch.tensor(I[0].astype(np.float64)-float(I[2])); ww=I[3].astype(np.float64)-I[5].astype(np.float64).reshape(-1,1,1,1)
        p=a.get('pads',[0]*4)
        acc=F.conv2d(F.pad(xx,(p[1],p[3],p[0],p[2])),torch.tensor(ww),torch.tensor(I[8].astype(np.float64)) if len(I)>8 else None,stride=a['strides'],groups=a.get('group',1),dilation=a.get('dilations',[1,1])).numpy()
        mult=(f32(I[1])*I[4].astype(f32)/f32(I[6])).astype(f32)
        mult=mult.reshape(1,-1,1,1) if mult.size>1 else mult
        y=q(acc.astype(f32)*mult,None,I[7])
    elif op=='QLinearAdd':
        A=(I[0].astype(f32)-I[2].astype(f32))*I[1]; B=(I[3].astype(f32)-I[5].astype(f32))*I[4]
        y=q((A+B)/I[6],None,I[7])
    elif op=='QLinearGlobalAveragePool':
        acc=(I[0].astype(np.int64)-int(I[2])).sum(axis=(2,3),keepdims=True)
        mult=f32(I[1])/(f32(I[3])*f32(I[0].shape[2]*I[0].shape[3]))
        y=q(acc.astype(f32)*mult,None,I[4])
    elif op=='QLinearMatMul':
        acc=(I[0].astype(np.int64)-int(I[2]))@(I[3].astype(np.int64)-I[5].astype(np.int64))
        y=q(acc.astype(f32)*(f32(I[1])*I[4].astype(f32)/f32(I[6])),None,I[7])
    elif op=='Shape': y=np.array(I[0].shape,np.int64)
    elif op=='Gather': y=np.take(I[0],I[1],axis=a.get('axis',0))
    elif op=='Unsqueeze': y=np.expand_dims(I[0],a['axes'])
    elif op=='Concat': y=np.concatenate(I,axis=a['axis'])
    elif op=='Reshape': y=I[0].reshape(I[1])
    else: raise Exception(op)
    env[n.output[0]]=y
np.save(sys.argv[2], env['output'].astype(np.float32))
